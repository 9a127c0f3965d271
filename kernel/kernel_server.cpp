#include "kernel_server.hpp"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <openssl/crypto.h>

#include "xeus/xserver_shell_main.hpp"

#include "forked_child.hpp"
#include "interrupts.hpp"
#include "stdin_wait.hpp"
#include "wire_gate.hpp"

namespace xlazy
{
    namespace
    {
        xeus::xconfiguration public_configuration;
        int terminal_fd = 2;
        wire_gate* the_gate = nullptr;

        // xeus ends the process with std::exit right after the shutdown reply: the gate
        // still has to pass it on, and every reply queued with it, before the sockets go.
        void finish_gate_at_exit()
        {
            if (the_gate != nullptr && !in_forked_child())
            {
                the_gate->finish();
            }
        }

        class kernel_server;
        std::atomic<kernel_server*> the_server{nullptr};
        std::atomic<void (*)()> flush_streams{nullptr};
        std::function<void()> after_shell_request; // set before the server starts

        // Delegates everything to xeus's own server, watching messages on the way.
        class kernel_server : public xeus::xserver
        {
        public:
            // Constructed on the thread that runs the shell (xeus's shell-on-main-thread server).
            kernel_server(std::unique_ptr<xeus::xserver> inner, std::unique_ptr<wire_gate> gate)
                : m_inner(std::move(inner)), m_gate(std::move(gate)), m_shell_thread(std::this_thread::get_id())
            {
                the_server = this;
                m_inner->register_shell_listener(
                    [this](xeus::xmessage message)
                    {
                        note_request(message);
                        notify_shell_listener(std::move(message));
                        if (after_shell_request)
                        {
                            after_shell_request();
                        }
                    });
                m_inner->register_stdin_listener([this](xeus::xmessage message)
                                                 { notify_stdin_listener(std::move(message)); });
                m_inner->register_internal_listener([this](nl::json message)
                                                    { return notify_internal_listener(std::move(message)); });
                m_inner->register_control_listener(
                    [this](xeus::xmessage message)
                    {
                        if (message.header().value("msg_type", "") == "interrupt_request")
                        {
                            interrupt_running_cell();
                        }
                        notify_control_listener(std::move(message));
                    });
            }

            // Whatever still holds the gate or the server (an exit hook, a printing thread)
            // must find nothing rather than freed memory.
            ~kernel_server() override
            {
                the_gate = nullptr;
                the_server = nullptr;
            }

            bool publish_stream(const std::string& name, const std::string& text)
            {
                if (in_forked_child())
                {
                    return false;
                }
                std::lock_guard<std::mutex> lock(m_publish_mutex);
                m_inner->publish(xeus::xpub_message(topic("stream"), header("stream"), m_execute_header,
                                                    nl::json::object(), {{"name", name}, {"text", text}}, {}),
                                 xeus::channel::SHELL);
                return true;
            }

        private:
            std::string topic(const std::string& msg_type) const
            {
                return m_status_topic.substr(0, m_status_topic.rfind('.') + 1) + msg_type;
            }

            // The shell runs one request at a time: the last one dispatched is the one a
            // reply answers. xeus aborts the queue after an error only for these.
            void note_request(const xeus::xmessage& request)
            {
                const nl::json& content = request.content();
                if (request.header().value("msg_type", "") == "execute_request")
                {
                    // What earlier cells or idle threads printed is theirs, not this cell's.
                    if (auto flush = flush_streams.load())
                    {
                        flush();
                    }
                    std::lock_guard<std::mutex> lock(m_publish_mutex);
                    m_execute_header = request.header();
                }
                m_abort_after_error = request.header().value("msg_type", "") == "execute_request" &&
                                      !content.value("silent", false) && content.value("stop_on_error", false);
            }

            // Called as the error reply is about to leave. Polls without waiting: what is
            // queued now was sent before the client could see the error. The requests are
            // answered once the failed cell's idle status is out, in ipykernel's order.
            void take_queued_requests()
            {
                m_inner->abort_queue([this](xeus::xmessage request) { m_aborted.push_back(std::move(request)); }, 0);
            }

            void answer_aborted_requests()
            {
                std::vector<xeus::xmessage> aborted;
                aborted.swap(m_aborted);
                for (auto& request : aborted)
                {
                    answer_aborted(std::move(request));
                }
            }

            void answer_aborted(xeus::xmessage request)
            {
                std::string type = request.header().value("msg_type", "");
                type = type.substr(0, type.rfind('_')) + "_reply";
                publish_status(request, "busy");
                m_inner->send_shell(xeus::xmessage(request.identities(), header(type), request.header(),
                                                   nl::json::object(), {{"status", "aborted"}}, {}));
                publish_status(request, "idle");
            }

            void publish_status(const xeus::xmessage& request, const char* state)
            {
                std::lock_guard<std::mutex> lock(m_publish_mutex);
                m_inner->publish(xeus::xpub_message(m_status_topic, header("status"), request.header(),
                                                    nl::json::object(), {{"execution_state", state}}, {}),
                                 xeus::channel::SHELL);
            }

            nl::json header(const std::string& msg_type) const
            {
                return xeus::make_header(msg_type, m_user_name, m_session);
            }

            xeus::xcontrol_messenger& get_control_messenger_impl() override
            {
                return m_inner->get_control_messenger();
            }
            void send_shell_impl(xeus::xmessage message) override
            {
                if (in_forked_child())
                {
                    return;
                }
                if (m_abort_after_error && message.header().value("msg_type", "") == "execute_reply" &&
                    message.content().value("status", "") == "error")
                {
                    take_queued_requests();
                }
                m_inner->send_shell(std::move(message));
            }
            void send_control_impl(xeus::xmessage message) override
            {
                if (!in_forked_child())
                {
                    m_inner->send_control(std::move(message));
                }
            }
            // Returns when the front end answered, or raises KeyboardInterrupt into input()
            // when an interrupt ended the wait.
            void send_stdin_impl(xeus::xmessage message) override
            {
                if (in_forked_child())
                {
                    return;
                }
                // The prompt comes after what the cell printed before asking, as under ipykernel.
                if (auto flush = flush_streams.load())
                {
                    flush();
                }
                {
                    stdin_wait wait;
                    m_inner->send_stdin(with_the_protocols_password_flag(std::move(message)));
                }
                if (m_gate->take_input_interrupt())
                {
                    // xeus's input handler stays registered with the abandoned answer; the
                    // next input() registers its own before anything can reach it.
                    raise_keyboard_interrupt();
                }
            }
            // xeus 2.4.1 names input_request's flag "pwd"; front ends read "password" (the
            // protocol's name) to hide what is typed at a getpass() prompt.
            static xeus::xmessage with_the_protocols_password_flag(xeus::xmessage message)
            {
                nl::json content = message.content();
                if (message.header().value("msg_type", "") != "input_request" || !content.contains("pwd"))
                {
                    return message;
                }
                content["password"] = content["pwd"];
                content.erase("pwd");
                nl::json header = message.header();
                nl::json parent_header = message.parent_header();
                nl::json metadata = message.metadata();
                xeus::xmessage::guid_list identities = message.identities();
                return xeus::xmessage(identities, std::move(header), std::move(parent_header), std::move(metadata),
                                      std::move(content), std::move(message).buffers());
            }

            void publish_impl(xeus::xpub_message message, xeus::channel c) override
            {
                if (in_forked_child())
                {
                    return;
                }
                // Other threads publish too (the control thread, comms): only the shell's own
                // thread touches the aborted requests.
                const bool on_shell_thread = std::this_thread::get_id() == m_shell_thread;
                if (auto flush = flush_streams.load();
                    flush && on_shell_thread && message.header().value("msg_type", "") != "stream")
                {
                    flush();
                }
                const bool failed_cell_idle = on_shell_thread && !m_aborted.empty() &&
                                              message.header().value("msg_type", "") == "status" &&
                                              message.content().value("execution_state", "") == "idle";
                {
                    std::lock_guard<std::mutex> lock(m_publish_mutex);
                    m_inner->publish(std::move(message), c);
                }
                if (failed_cell_idle)
                {
                    answer_aborted_requests();
                }
            }
            void start_impl(xeus::xpub_message message) override
            {
                // The "starting" status carries the kernel's session, user name and topic.
                m_status_topic = message.topic();
                m_session = message.header().value("session", "");
                m_user_name = message.header().value("username", "");
                m_inner->start(std::move(message));
            }
            void abort_queue_impl(const listener&, long) override
            {
                // Taken before the error reply was sent (send_shell_impl).
            }
            void stop_impl() override { m_inner->stop(); }
            void update_config_impl(xeus::xconfiguration& config) const override
            {
                m_inner->update_config(config);
            }

            std::unique_ptr<xeus::xserver> m_inner;
            std::unique_ptr<wire_gate> m_gate;
            std::thread::id m_shell_thread;
            // Guards the shell's iopub socket, used by the shell thread and stream publishers.
            std::mutex m_publish_mutex;
            nl::json m_execute_header = nl::json::object(); // parent of stream messages
            bool m_abort_after_error = false;
            std::vector<xeus::xmessage> m_aborted; // queued behind the failed cell
            std::string m_status_topic;
            std::string m_session;
            std::string m_user_name;
        };
    }

    xeus::xconfiguration prepare_kernel_server(const xeus::xconfiguration& public_config, int log_fd)
    {
        public_configuration = public_config;
        terminal_fd = log_fd;
        return private_configuration();
    }

    bool publish_stream(const std::string& name, const std::string& text)
    {
        kernel_server* server = the_server;
        return server != nullptr && server->publish_stream(name, text);
    }

    void flush_streams_before(void (*flush)())
    {
        flush_streams = flush;
    }

    void after_each_shell_request(std::function<void()> task)
    {
        after_shell_request = std::move(task);
    }

    std::unique_ptr<xeus::xserver> make_kernel_server(xeus::xcontext& context, const xeus::xconfiguration& config,
                                                      nl::json::error_handler_t eh)
    {
        auto inner = xeus::make_xserver_shell_main(context, config, eh);
        auto gate = std::make_unique<wire_gate>(context.get_wrapped_context<zmq::context_t>(), public_configuration,
                                                config, terminal_fd);
        the_gate = gate.get();
        // OpenSSL frees its state, the signing digests and each thread's error queue, in an
        // exit handler it registers when it first initialises, and exit handlers run in
        // reverse order. Initialised only later, by the gate's first signature check, it would
        // be torn down before finish_gate_at_exit signs the last replies and ends the gate's
        // thread (whose error queue then leaked). Initialised here, it goes after the gate.
        OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, nullptr);
        std::atexit(&finish_gate_at_exit);
        return std::make_unique<kernel_server>(std::move(inner), std::move(gate));
    }
}
