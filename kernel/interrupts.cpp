#include "interrupts.hpp"

#include <csignal>
#include <ctime>

#include <pthread.h>
#include <unistd.h>

#include "pybind11/pybind11.h"

namespace xlazy
{
    namespace
    {
        sigset_t interrupt_set()
        {
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, SIGINT);
            return set;
        }

        // A forked child is user code only, whichever thread forked it: it takes SIGINT as
        // a Python program does (jupyter_client interrupts the whole process group), and
        // programs it execs do not inherit a blocked SIGINT.
        void unblock_in_child() noexcept
        {
            sigset_t set = interrupt_set();
            pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
        }
    }

    void block_interrupts()
    {
        sigset_t set = interrupt_set();
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        static const bool registered = pthread_atfork(nullptr, nullptr, &unblock_in_child) == 0;
        (void)registered;
    }

    interruptible_scope::interruptible_scope()
    {
        sigset_t set = interrupt_set();
        timespec no_wait{0, 0};
        while (sigtimedwait(&set, nullptr, &no_wait) == SIGINT)
        {
        }
        // A SIGINT caught by a thread that user code started is already recorded by CPython.
        if (PyErr_CheckSignals() != 0)
        {
            PyErr_Clear();
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    }

    interruptible_scope::~interruptible_scope()
    {
        block_interrupts();
    }

    void interrupt_running_cell()
    {
        kill(getpid(), SIGINT);
    }
}
