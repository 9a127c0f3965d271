// Signals reach user code and nothing else. xeus's zmq loops do not survive EINTR (cppzmq
// throws, the kernel aborts), and xeus-python turns SIGINT into exit(0). So every
// asynchronous signal is blocked in every thread of the kernel, except:
// - the main thread while a cell runs, where CPython's handlers run as in a script (a
//   SIGALRM interrupts time.sleep, SIGINT becomes KeyboardInterrupt);
// - one "signal sink" thread that only waits, so that a signal arriving while the kernel is
//   idle still meets its disposition: CPython's C handler records it for a Python handler,
//   which then runs on the main thread the next time it runs Python code (at the latest as
//   the next cell starts), a default action (SIGTERM, SIGHUP) still ends the kernel, an
//   ignored signal stays ignored. SIGINT is not among them: an idle interrupt is dropped.
// An interrupt_request on the control channel is turned into the same SIGINT
// (kernel_server), so clients using either interrupt mode get the same behaviour.
// A forked child is user code only: every signal is unblocked there, whichever thread forked.
#pragma once

namespace xlazy
{
    // Call on the main thread before any other thread exists; threads inherit the mask.
    void block_interrupts();

    // While alive, signals are delivered to the cell running on this (main) thread, and
    // SIGINT raises KeyboardInterrupt there, whatever handler an earlier cell installed. An
    // interrupt that arrived while the kernel was idle is discarded rather than hitting the
    // next cell; Python handlers of other signals that arrived while idle run first, and an
    // exception one raises is shown as ignored (it had no code to interrupt).
    // Needs the GIL when constructed.
    class interruptible_scope
    {
    public:
        interruptible_scope();
        ~interruptible_scope();

        // Takes signals off this thread again (the destructor does too). True when an
        // interrupt arrived after the cell's last instruction: the cell still counts as
        // interrupted. Needs the GIL.
        bool close();
        interruptible_scope(const interruptible_scope&) = delete;
        interruptible_scope& operator=(const interruptible_scope&) = delete;
    };

    // Interrupts the cell running on the main thread, as a SIGINT from the client would.
    void interrupt_running_cell();
}
