// SIGINT reaches user code and nothing else. xeus's zmq loops do not survive EINTR, and
// xeus-python turns SIGINT into exit(0); so SIGINT is blocked in every thread, and the main
// thread lets it through only while a cell runs, where CPython turns it into
// KeyboardInterrupt. An interrupt_request on the control channel is turned into the same
// SIGINT (kernel_server), so clients using either interrupt mode get the same behaviour.
// A forked child is user code only: SIGINT is unblocked there, whichever thread forked it.
#pragma once

namespace xlazy
{
    // Call on the main thread before any other thread exists; threads inherit the mask.
    void block_interrupts();

    // While alive, SIGINT interrupts the cell running on this (main) thread. Interrupts that
    // arrived while the kernel was idle are discarded rather than hitting the next cell.
    // Needs the GIL when constructed.
    class interruptible_scope
    {
    public:
        interruptible_scope();
        ~interruptible_scope();
        interruptible_scope(const interruptible_scope&) = delete;
        interruptible_scope& operator=(const interruptible_scope&) = delete;
    };

    // Interrupts the cell running on the main thread, as a SIGINT from the client would.
    void interrupt_running_cell();
}
