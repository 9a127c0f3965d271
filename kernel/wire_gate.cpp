#include "wire_gate.hpp"

#include <csignal>

#include <sys/signalfd.h>
#include <unistd.h>

#include "zmq_addon.hpp"

#include "xeus/xguid.hpp"
#include "xeus/xmessage.hpp"

namespace xlazy
{
    namespace
    {
        const std::string private_host = "xlazy-kernel";
        const std::string wake_end_point = "inproc://xlazy-gate-wake";
        constexpr int linger_ms = 1000;

        // xeus routes a stdin request by the identity its shell request came from: the
        // gate's shell and stdin sockets must carry the same one.
        const std::string gate_identity = "xlazy-gate";
        const std::string gate_shell_to_control_identity = "xlazy-gate-shell";

        zmq::socket_t bound(zmq::context_t& context, zmq::socket_type type, const std::string& end_point)
        {
            zmq::socket_t socket(context, type);
            socket.set(zmq::sockopt::linger, linger_ms);
            socket.bind(end_point);
            return socket;
        }

        zmq::socket_t connected(zmq::context_t& context, zmq::socket_type type, const std::string& end_point,
                                const std::string& identity = {})
        {
            zmq::socket_t socket(context, type);
            socket.set(zmq::sockopt::linger, 0);
            // Never block the gate on a busy kernel: the in-process queue grows instead.
            socket.set(zmq::sockopt::sndhwm, 0);
            socket.set(zmq::sockopt::rcvhwm, 0);
            if (!identity.empty())
            {
                socket.set(zmq::sockopt::routing_id, identity);
            }
            if (type == zmq::socket_type::sub)
            {
                socket.set(zmq::sockopt::subscribe, "");
            }
            socket.connect(end_point);
            return socket;
        }

        std::string private_end_point(const std::string& port)
        {
            return "inproc://" + private_host + "-" + port; // as xeus builds it for a non-tcp transport
        }

        int make_interrupt_fd()
        {
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, SIGINT);
            return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
        }

        // A JSON frame, or null with `problem` set. The position only: the text may be a
        // peer's, and goes nowhere.
        nl::json parse_frame(const zmq::message_t& frame, const char* name, std::string& problem)
        {
            try
            {
                return nl::json::parse(frame.data<char>(), frame.data<char>() + frame.size());
            }
            catch (const nl::json::parse_error& error)
            {
                problem = std::string("the ") + name +
                          " frame is not valid JSON in UTF-8 (invalid bytes, a lone surrogate escape or bad "
                          "syntax) at byte " +
                          std::to_string(error.byte);
            }
            return nullptr;
        }
    }

    xeus::xconfiguration private_configuration()
    {
        xeus::xconfiguration config;
        config.m_transport = "inproc";
        config.m_ip = private_host;
        config.m_shell_port = "shell";
        config.m_control_port = "control";
        config.m_stdin_port = "stdin";
        config.m_iopub_port = "iopub";
        config.m_hb_port = "heartbeat";
        config.m_signature_scheme = "hmac-sha256";
        // Known only inside the process: the public key may be empty (unsigned connection).
        config.m_key = xeus::new_xguid().c_str();
        return config;
    }

    std::string public_end_point(const xeus::xconfiguration& config, const std::string& port)
    {
        const char separator = config.m_transport == "tcp" ? ':' : '-';
        return config.m_transport + "://" + config.m_ip + separator + port;
    }

    wire_gate::wire_gate(zmq::context_t& kernel_context, const xeus::xconfiguration& public_config,
                         const xeus::xconfiguration& private_config, int log_fd)
        : m_public_signer(public_config.m_signature_scheme, public_config.m_key)
        , m_kernel_signer(private_config.m_signature_scheme, private_config.m_key)
        , m_session(xeus::new_xguid().c_str())
        , m_log_fd(log_fd)
        , m_interrupt_fd(make_interrupt_fd())
        , m_public_shell(bound(m_public_context, zmq::socket_type::router,
                               public_end_point(public_config, public_config.m_shell_port)))
        , m_public_control(bound(m_public_context, zmq::socket_type::router,
                                 public_end_point(public_config, public_config.m_control_port)))
        , m_public_stdin(bound(m_public_context, zmq::socket_type::router,
                               public_end_point(public_config, public_config.m_stdin_port)))
        , m_public_iopub(bound(m_public_context, zmq::socket_type::pub,
                               public_end_point(public_config, public_config.m_iopub_port)))
        , m_public_heartbeat(bound(m_public_context, zmq::socket_type::rep,
                                   public_end_point(public_config, public_config.m_hb_port)))
        , m_kernel_shell(connected(kernel_context, zmq::socket_type::dealer,
                                   private_end_point(private_config.m_shell_port), gate_identity))
        , m_kernel_control(connected(kernel_context, zmq::socket_type::dealer,
                                     private_end_point(private_config.m_control_port), gate_identity))
        , m_kernel_control_for_shell(connected(kernel_context, zmq::socket_type::dealer,
                                               private_end_point(private_config.m_control_port),
                                               gate_shell_to_control_identity))
        , m_kernel_stdin(connected(kernel_context, zmq::socket_type::dealer,
                                   private_end_point(private_config.m_stdin_port), gate_identity))
        , m_kernel_iopub(connected(kernel_context, zmq::socket_type::sub,
                                   private_end_point(private_config.m_iopub_port)))
        , m_wake(bound(kernel_context, zmq::socket_type::pair, wake_end_point))
        , m_kernel_context(kernel_context)
    {
        m_thread = std::thread([this] { run(); });
    }

    wire_gate::~wire_gate()
    {
        finish();
        if (m_interrupt_fd >= 0)
        {
            close(m_interrupt_fd);
        }
    }

    void wire_gate::finish()
    {
        if (m_finished.exchange(true))
        {
            return;
        }
        zmq::socket_t wake(m_kernel_context, zmq::socket_type::pair);
        wake.set(zmq::sockopt::linger, 0);
        wake.connect(wake_end_point);
        wake.send(zmq::str_buffer("finish"), zmq::send_flags::none);
        if (m_thread.joinable())
        {
            m_thread.join();
        }
    }

    void wire_gate::run()
    {
        while (true)
        {
            const bool waiting_input = !m_waiting_input.is_null() && m_interrupt_fd >= 0;
            zmq::pollitem_t items[] = {
                {m_public_shell.handle(), 0, ZMQ_POLLIN, 0},
                {m_public_control.handle(), 0, ZMQ_POLLIN, 0},
                {m_public_stdin.handle(), 0, ZMQ_POLLIN, 0},
                {m_public_heartbeat.handle(), 0, ZMQ_POLLIN, 0},
                {m_kernel_shell.handle(), 0, ZMQ_POLLIN, 0},
                {m_kernel_control.handle(), 0, ZMQ_POLLIN, 0},
                {m_kernel_control_for_shell.handle(), 0, ZMQ_POLLIN, 0},
                {m_kernel_stdin.handle(), 0, ZMQ_POLLIN, 0},
                {m_kernel_iopub.handle(), 0, ZMQ_POLLIN, 0},
                {m_wake.handle(), 0, ZMQ_POLLIN, 0},
                {nullptr, m_interrupt_fd, ZMQ_POLLIN, 0},
            };
            const int count = waiting_input ? 11 : 10;
            try
            {
                zmq::poll(items, count, std::chrono::milliseconds(-1));
            }
            catch (const zmq::error_t& error)
            {
                if (error.num() == EINTR)
                {
                    continue;
                }
                log(std::string("the message loop stopped: ") + error.what());
                return;
            }
            if (items[9].revents & ZMQ_POLLIN)
            {
                drain_kernel();
                m_public_shell.close();
                m_public_control.close();
                m_public_stdin.close();
                m_public_iopub.close();
                m_public_heartbeat.close();
                m_public_context.close(); // waits for the last messages, up to the linger time
                return;
            }
            // Replies first: they may clear the input() being waited on.
            if (items[4].revents & ZMQ_POLLIN)
            {
                forward_to_public(m_kernel_shell, m_public_shell);
            }
            if (items[5].revents & ZMQ_POLLIN)
            {
                forward_to_public(m_kernel_control, m_public_control);
            }
            if (items[6].revents & ZMQ_POLLIN)
            {
                forward_to_public(m_kernel_control_for_shell, m_public_shell);
            }
            if (items[7].revents & ZMQ_POLLIN)
            {
                forward_to_public(m_kernel_stdin, m_public_stdin);
            }
            if (items[8].revents & ZMQ_POLLIN)
            {
                forward_to_public(m_kernel_iopub, m_public_iopub);
            }
            if (waiting_input && (items[10].revents & ZMQ_POLLIN))
            {
                interrupt_waiting_input();
            }
            if (items[0].revents & ZMQ_POLLIN)
            {
                serve_public(m_public_shell, wire_channel::shell);
            }
            if (items[1].revents & ZMQ_POLLIN)
            {
                serve_public(m_public_control, wire_channel::control);
            }
            if (items[2].revents & ZMQ_POLLIN)
            {
                serve_public_stdin();
            }
            if (items[3].revents & ZMQ_POLLIN)
            {
                auto ping = receive_all(m_public_heartbeat);
                (void)zmq::send_multipart(m_public_heartbeat, ping, zmq::send_flags::dontwait);
            }
        }
    }

    void wire_gate::drain_kernel()
    {
        // The kernel sent its last replies just before it asked to finish; take what is
        // queued until the sockets stay quiet for a moment.
        zmq::socket_t* sources[][2] = {{&m_kernel_shell, &m_public_shell},
                                       {&m_kernel_control, &m_public_control},
                                       {&m_kernel_control_for_shell, &m_public_shell},
                                       {&m_kernel_stdin, &m_public_stdin},
                                       {&m_kernel_iopub, &m_public_iopub}};
        for (bool moved = true; moved;)
        {
            moved = false;
            zmq::pollitem_t items[5];
            for (int i = 0; i < 5; ++i)
            {
                items[i] = {sources[i][0]->handle(), 0, ZMQ_POLLIN, 0};
            }
            zmq::poll(items, 5, std::chrono::milliseconds(100));
            for (int i = 0; i < 5; ++i)
            {
                if (items[i].revents & ZMQ_POLLIN)
                {
                    forward_to_public(*sources[i][0], *sources[i][1]);
                    moved = true;
                }
            }
        }
    }

    void wire_gate::forward_to_public(zmq::socket_t& from, zmq::socket_t& to)
    {
        std::string problem;
        auto message = split_frames(receive_all(from), problem);
        if (!message)
        {
            log("the kernel sent a malformed message (" + problem + "); dropped");
            return;
        }
        if (&from == &m_kernel_stdin || &from == &m_kernel_shell)
        {
            nl::json header = nl::json::parse(frame_text(message->header), nullptr, false);
            const std::string type = header.is_object() ? header.value("msg_type", "") : "";
            if (type == "input_request")
            {
                m_waiting_input = std::move(header);
                m_waiting_peer = message->identities.empty() ? std::string() : frame_text(message->identities.front());
            }
            else if (type == "execute_reply")
            {
                m_waiting_input = nullptr; // the cell is over: a late answer has no input() to go to
            }
        }
        if (!send_frames(to, *message, m_public_signer))
        {
            log("a client is not reading its messages; one was dropped");
        }
    }

    std::optional<wire_frames> wire_gate::authenticated(zmq::socket_t& from, const char* channel_name)
    {
        std::string problem;
        auto message = split_frames(receive_all(from), problem);
        if (!message)
        {
            log(std::string("dropped a malformed message on ") + channel_name + " (" + problem + ")");
            return std::nullopt;
        }
        if (!m_public_signer.verify(message->signature, message->header, message->parent, message->metadata,
                                    message->content))
        {
            log(std::string("dropped a message on ") + channel_name + " with a wrong signature");
            return std::nullopt;
        }
        if (m_public_signer.signs() && !m_replays.first_time(frame_text(message->signature)))
        {
            log(std::string("dropped a replayed message on ") + channel_name + " (its signature was seen before)");
            return std::nullopt;
        }
        return message;
    }

    void wire_gate::serve_public(zmq::socket_t& from, wire_channel channel)
    {
        const char* channel_name = channel == wire_channel::shell ? "shell" : "control";
        auto message = authenticated(from, channel_name);
        if (!message)
        {
            return;
        }
        std::string problem;
        nl::json header = parse_frame(message->header, "header", problem);
        if (!header.is_object())
        {
            log(std::string("dropped a signed message on ") + channel_name + ": " +
                (problem.empty() ? "its header is not a JSON object" : problem));
            return;
        }
        nl::json content;
        for (auto [frame, name] : {std::pair{&message->parent, "parent_header"},
                                   std::pair{&message->metadata, "metadata"}, std::pair{&message->content, "content"}})
        {
            nl::json parsed = parse_frame(*frame, name, problem);
            if (!problem.empty())
            {
                break;
            }
            if (frame == &message->content)
            {
                content = std::move(parsed);
            }
            else if (!parsed.is_object())
            {
                problem = std::string("the ") + name + " must be a JSON object";
                break;
            }
        }
        request_verdict verdict = problem.empty() ? judge_request(channel, header, content)
                                                  : request_verdict{request_verdict::refuse, problem};
        switch (verdict.action)
        {
        case request_verdict::pass:
        case request_verdict::pass_to_control:
        {
            zmq::socket_t& kernel = verdict.action == request_verdict::pass_to_control ? m_kernel_control_for_shell
                                    : channel == wire_channel::shell                   ? m_kernel_shell
                                                                                       : m_kernel_control;
            if (!send_frames(kernel, *message, m_kernel_signer))
            {
                log("the kernel's queue is full; a request was dropped");
            }
            return;
        }
        case request_verdict::refuse:
        case request_verdict::status_only:
            log(std::string("refused a request on ") + channel_name + ": " + verdict.reason);
            answer_refused(from, *message, header, verdict.reason, verdict.action == request_verdict::refuse);
            return;
        }
    }

    void wire_gate::serve_public_stdin()
    {
        auto message = authenticated(m_public_stdin, "stdin");
        if (!message)
        {
            return;
        }
        std::string problem;
        nl::json header = parse_frame(message->header, "header", problem);
        nl::json parent = parse_frame(message->parent, "parent_header", problem);
        nl::json content = parse_frame(message->content, "content", problem);
        const char* refusal = nullptr;
        if (!problem.empty() || !header.is_object() || !parent.is_object() || !content.is_object())
        {
            refusal = "it is not a well-formed message";
        }
        else if (header.value("msg_type", nl::json()) != "input_reply")
        {
            refusal = "only input_reply is served on stdin";
        }
        else if (m_waiting_input.is_null())
        {
            refusal = "no input() is waiting";
        }
        else if (message->identities.empty() || frame_text(message->identities.front()) != m_waiting_peer)
        {
            refusal = "it comes from another peer than the one asked";
        }
        // jupyter_client and Notebook 6 send input_reply without a parent header; one that
        // names its request must name this one.
        else if (parent.contains("msg_id") && parent["msg_id"] != m_waiting_input["msg_id"])
        {
            refusal = "it answers another input_request";
        }
        else if (!content.contains("value") || !content["value"].is_string())
        {
            refusal = "its 'value' is not a string";
        }
        if (refusal != nullptr)
        {
            log(std::string("ignored a message on stdin: ") + refusal);
            return;
        }
        m_waiting_input = nullptr;
        message->identities.clear(); // the kernel routes by the gate's own identity
        send_frames(m_kernel_stdin, *message, m_kernel_signer);
    }

    void wire_gate::interrupt_waiting_input()
    {
        signalfd_siginfo info;
        if (read(m_interrupt_fd, &info, sizeof(info)) != static_cast<ssize_t>(sizeof(info)))
        {
            return;
        }
        // kernel_server raises KeyboardInterrupt in the cell once input() returns.
        m_input_interrupted = true;
        wire_frames reply = make_message({}, "input_reply", m_waiting_input, {{"value", ""}});
        m_waiting_input = nullptr;
        send_frames(m_kernel_stdin, reply, m_kernel_signer);
    }

    void wire_gate::answer_refused(zmq::socket_t& to, wire_frames& request, const nl::json& header,
                                   const std::string& reason, bool with_reply)
    {
        publish_status(header, "busy");
        if (with_reply)
        {
            wire_frames reply = make_message(std::move(request.identities),
                                             reply_type(header.value("msg_type", "unknown_request")), header,
                                             {{"status", "error"},
                                              {"ename", "InvalidRequest"},
                                              {"evalue", reason},
                                              {"traceback", nl::json::array()}});
            send_frames(to, reply, m_public_signer);
        }
        publish_status(header, "idle");
    }

    void wire_gate::publish_status(const nl::json& parent, const char* state)
    {
        std::vector<zmq::message_t> topic;
        topic.emplace_back(std::string("kernel.") + m_session + ".status");
        wire_frames status = make_message(std::move(topic), "status", parent, {{"execution_state", state}});
        send_frames(m_public_iopub, status, m_public_signer);
    }

    wire_frames wire_gate::make_message(std::vector<zmq::message_t> identities, const std::string& msg_type,
                                        const nl::json& parent, const nl::json& content) const
    {
        wire_frames message;
        message.identities = std::move(identities);
        const auto replace = nl::json::error_handler_t::replace;
        const std::string header = xeus::make_header(msg_type, "xlazy", m_session).dump(-1, ' ', false, replace);
        const std::string parent_text = parent.dump(-1, ' ', false, replace);
        const std::string content_text = content.dump(-1, ' ', false, replace);
        message.header = zmq::message_t(header.data(), header.size());
        message.parent = zmq::message_t(parent_text.data(), parent_text.size());
        message.metadata = zmq::message_t("{}", 2);
        message.content = zmq::message_t(content_text.data(), content_text.size());
        return message;
    }

    void wire_gate::log(const std::string& text) const
    {
        const std::string line = "xlazy: " + text + "\n";
        (void)!write(m_log_fd, line.data(), line.size());
    }
}
