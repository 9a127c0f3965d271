// The kernel's public sockets. Everything a peer sends passes here before xeus sees it:
// the frames must form a message, the signature must match the exact frames, a signature
// seen before is a replay, then the JSON is parsed and the request judged for its channel
// (request_rules). What passes is re-signed with the kernel's private key and handed to
// xeus's server on in-process sockets; what xeus sends comes back here and is signed with
// the connection's key. On stdin only the input_reply to the input_request being waited
// on passes; an interrupt while input() waits ends the wait (see kernel_server).
// Owns the public sockets, the heartbeat and the thread that serves them.
// Never prints a peer's bytes: its log lines are fixed text, to the kernel's own stderr.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "nlohmann/json.hpp"
#include "zmq.hpp"

#include "xeus/xkernel_configuration.hpp"

#include "message_signing.hpp"
#include "request_rules.hpp"
#include "wire_frames.hpp"

namespace xlazy
{
    // Where xeus's own server listens: in-process endpoints only the gate connects to.
    xeus::xconfiguration private_configuration();

    // "tcp://ip:port" or, for the ipc transport, "ipc://ip-port" as jupyter_client names it.
    std::string public_end_point(const xeus::xconfiguration& config, const std::string& port);

    class wire_gate
    {
    public:
        // Binds the public endpoints (throws zmq::error_t when one is taken) and starts serving.
        // `kernel_context` is the one xeus's server was made with; `log_fd` stays the terminal.
        wire_gate(zmq::context_t& kernel_context, const xeus::xconfiguration& public_config,
                  const xeus::xconfiguration& private_config, int log_fd);
        ~wire_gate();
        wire_gate(const wire_gate&) = delete;
        wire_gate& operator=(const wire_gate&) = delete;

        // Forwards what the kernel has sent so far, then closes the public sockets once their
        // messages are out (bounded by the linger time). Idempotent; any thread.
        void finish();

        // True once after an interrupt ended the wait of input() with an empty reply.
        bool take_input_interrupt() noexcept { return m_input_interrupted.exchange(false); }

    private:
        void run();
        void serve_public(zmq::socket_t& from, wire_channel channel);
        void serve_public_stdin();
        void forward_to_public(zmq::socket_t& from, zmq::socket_t& to);
        void interrupt_waiting_input();
        void drain_kernel();

        std::optional<wire_frames> authenticated(zmq::socket_t& from, const char* channel_name);
        void answer_refused(zmq::socket_t& to, wire_frames& request, const nl::json& header,
                            const std::string& reason, bool with_reply);
        void publish_status(const nl::json& parent, const char* state);
        wire_frames make_message(std::vector<zmq::message_t> identities, const std::string& msg_type,
                                 const nl::json& parent, const nl::json& content) const;
        void log(const std::string& text) const;

        zmq::context_t m_public_context; // its own, so that finish() can wait for the last replies
        message_signer m_public_signer;
        message_signer m_kernel_signer;
        replay_guard m_replays;
        std::string m_session;
        int m_log_fd;
        int m_interrupt_fd; // signalfd for SIGINT, watched only while input() waits

        zmq::socket_t m_public_shell;
        zmq::socket_t m_public_control;
        zmq::socket_t m_public_stdin;
        zmq::socket_t m_public_iopub;
        zmq::socket_t m_public_heartbeat;
        zmq::socket_t m_kernel_shell;
        zmq::socket_t m_kernel_control;
        zmq::socket_t m_kernel_control_for_shell; // shell requests served on control; replies go to shell
        zmq::socket_t m_kernel_stdin;
        zmq::socket_t m_kernel_iopub;
        zmq::socket_t m_wake;
        zmq::context_t& m_kernel_context;

        nl::json m_waiting_input; // header of the input_request being waited on, or null
        std::string m_waiting_peer; // routing identity the input_request was sent to
        std::atomic<bool> m_input_interrupted{false};
        std::thread m_thread;
        std::atomic<bool> m_finished{false};
    };
}
