// The kernel's server: xeus's shell-on-main-thread server, listening on in-process
// endpoints behind the wire gate (which owns the public sockets), with these corrections.
// An interrupt_request on the control channel interrupts the running cell (xeus 2.4.1
// answers it and does nothing). In a forked child nothing is sent: the sockets and their
// threads are the parent's. Requests queued behind a failed cell are aborted as ipykernel
// answers them (busy, {"status": "aborted"}, idle), and only those sent before the error
// reply left: xeus aborted whatever arrived just after it, with a bare {"status": "error"}
// and no busy/idle, so a client answering the error quickly waited forever.
// Stream output may be published from any thread (publish_stream): every message to iopub
// from the shell side passes one lock, in the order it was sent, and the stream text that
// waits is flushed first (flush_streams_before) so it stays ahead of what follows it.
// While input() waits, the GIL is let go and an interrupt ends the wait (stdin_wait).
// Owns no decision about cells; touches Python only through stdin_wait.
#pragma once

#include <functional>
#include <memory>

#include "xeus/xkernel.hpp"

namespace xlazy
{
    // xkernel takes a plain function to build its server, and hands it the configuration it
    // was given: call this first with the connection file's configuration; give xkernel the
    // configuration returned (xeus's own, private endpoints). `log_fd` is the terminal.
    xeus::xconfiguration prepare_kernel_server(const xeus::xconfiguration& public_config, int log_fd);

    // Publishes a stream message, from any thread, as a child of the last execute_request.
    // Returns false when there is no kernel server (yet) or in a forked child.
    bool publish_stream(const std::string& name, const std::string& text);

    // Called, on the shell thread and without any lock of the server held, before each
    // message other than a stream message is published on iopub for the shell.
    void flush_streams_before(void (*flush)());

    // Called on the shell thread after each shell request has been answered and its idle
    // status published: work that can wait until the front end has its answer.
    void after_each_shell_request(std::function<void()> task);

    std::unique_ptr<xeus::xserver> make_kernel_server(xeus::xcontext& context, const xeus::xconfiguration& config,
                                                      nl::json::error_handler_t eh);
}
