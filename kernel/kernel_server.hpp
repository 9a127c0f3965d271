// The kernel's one door to zmq: xeus's shell-on-main-thread server, with three corrections.
// An interrupt_request on the control channel interrupts the running cell (xeus 2.4.1
// answers it and does nothing). In a forked child nothing is sent: the sockets and their
// threads are the parent's. Requests queued behind a failed cell are aborted as ipykernel
// answers them (busy, {"status": "aborted"}, idle), and only those sent before the error
// reply left: xeus aborted whatever arrived just after it, with a bare {"status": "error"}
// and no busy/idle, so a client answering the error quickly waited forever.
// Owns no decision about cells; never touches Python.
#pragma once

#include <memory>

#include "xeus/xkernel.hpp"

namespace xlazy
{
    std::unique_ptr<xeus::xserver> make_kernel_server(xeus::xcontext& context, const xeus::xconfiguration& config,
                                                      nl::json::error_handler_t eh);
}
