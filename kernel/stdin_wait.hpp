// The main thread while input() or getpass() waits for the front end's answer. The GIL is
// let go, so the control thread can serve kernel_info and the debugger meanwhile. SIGINT is
// held pending instead of breaking xeus's socket read (which does not survive EINTR): the
// wire gate takes it, ends the wait with an empty answer, and the cell then gets
// KeyboardInterrupt from input(), as under ipykernel.
// Owns the signal mask and the GIL for the duration of one wait; nothing else.
#pragma once

#include <csignal>

#include "pybind11/pybind11.h"

namespace xlazy
{
    class stdin_wait
    {
    public:
        stdin_wait();
        ~stdin_wait();
        stdin_wait(const stdin_wait&) = delete;
        stdin_wait& operator=(const stdin_wait&) = delete;

    private:
        sigset_t m_previous_mask;
        PyThreadState* m_released = nullptr; // the C API: the caller may or may not hold the GIL
    };

    // Raises KeyboardInterrupt in the Python code that called input(). Needs the GIL.
    [[noreturn]] void raise_keyboard_interrupt();
}
