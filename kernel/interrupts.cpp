#include "interrupts.hpp"

#include <csignal>
#include <ctime>
#include <thread>

#include <pthread.h>
#include <unistd.h>

#include "pybind11/pybind11.h"

namespace xlazy
{
    namespace
    {
        // Signals the kernel delivers only where it can take them. Left out: those the
        // kernel raises itself in the faulting thread (SIGSEGV, SIGFPE ...), which must hit
        // that thread, SIGPIPE (Python ignores it; a failed write reports EPIPE), and those
        // that cannot be blocked.
        sigset_t asynchronous_signals()
        {
            sigset_t set;
            sigfillset(&set);
            for (int synchronous : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS,
                                    SIGPIPE})
            {
                sigdelset(&set, synchronous);
            }
            return set;
        }

        sigset_t interrupt_only()
        {
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, SIGINT);
            return set;
        }

        // A forked child is user code only, whichever thread forked it: it takes signals as
        // a Python program does (jupyter_client interrupts the whole process group, a Pool
        // ends its workers with SIGTERM), and programs it execs do not inherit a blocked mask.
        void unblock_in_child() noexcept
        {
            sigset_t set = asynchronous_signals();
            pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
        }

        // The one kernel thread that takes signals while no cell runs: it never touches a
        // socket, so an interrupted wait costs nothing.
        void sink_signals()
        {
            sigset_t set = asynchronous_signals();
            sigdelset(&set, SIGINT);
            pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
            for (;;)
            {
                pause();
            }
        }
    }

    void block_interrupts()
    {
        sigset_t set = asynchronous_signals();
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        static const bool started = [] {
            pthread_atfork(nullptr, nullptr, &unblock_in_child);
            std::thread(&sink_signals).detach();
            return true;
        }();
        (void)started;
    }

    namespace
    {
        // While idle, SIGINT is ignored, as ipykernel does. Blocking it is not enough: threads
        // a cell starts (OpenBLAS's workers, created while numpy is imported) inherit the
        // cell's open mask, and an interrupt one of them takes would raise KeyboardInterrupt
        // in whatever Python code the main thread runs next: the kernel's own bookkeeping, a
        // completion, or the next cell. Python's table of handlers is left as it is; only
        // the next cell start changes it.
        void ignore_interrupts_until_the_next_cell() noexcept
        {
            struct sigaction ignore
            {
            };
            ignore.sa_handler = SIG_IGN;
            sigemptyset(&ignore.sa_mask);
            sigaction(SIGINT, &ignore, nullptr);
        }

        // Every cell starts with Python's KeyboardInterrupt handler, as under ipykernel
        // (which installs it around each request): a handler or SIG_IGN an earlier cell set
        // is not kept, so Interrupt always stops the cell and the programs it starts take
        // SIGINT's default action. It also covers a kernel that inherited SIGINT ignored
        // (its server started in the background by a shell), where CPython installs no
        // handler at start.
        void take_interrupts_in_this_cell()
        {
            auto signal_module = pybind11::module_::import("signal");
            signal_module.attr("signal")(SIGINT, signal_module.attr("default_int_handler"));
        }

        // Runs the Python handlers of signals CPython has recorded. True if one was SIGINT's.
        bool run_recorded_handlers(const char* when)
        {
            if (PyErr_CheckSignals() == 0)
            {
                return false;
            }
            if (PyErr_ExceptionMatches(PyExc_KeyboardInterrupt))
            {
                PyErr_Clear();
                return true;
            }
            // Nothing runs that the exception could stop: show it, as Python does for
            // exceptions it cannot raise anywhere.
            PyErr_WriteUnraisable(pybind11::str(when).ptr());
            return false;
        }
    }

    interruptible_scope::interruptible_scope()
    {
        sigset_t interrupts = interrupt_only();
        timespec no_wait{0, 0};
        while (sigtimedwait(&interrupts, nullptr, &no_wait) == SIGINT)
        {
        }
        // An interrupt caught by a thread that user code started is recorded too: dropped.
        run_recorded_handlers("a signal handler run while the kernel was idle");
        take_interrupts_in_this_cell();
        sigset_t set = asynchronous_signals();
        pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    }

    bool interruptible_scope::close()
    {
        sigset_t set = asynchronous_signals();
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        ignore_interrupts_until_the_next_cell();
        return run_recorded_handlers("a signal handler run as the cell ended");
    }

    interruptible_scope::~interruptible_scope()
    {
        sigset_t set = asynchronous_signals();
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        ignore_interrupts_until_the_next_cell();
    }

    void interrupt_running_cell()
    {
        kill(getpid(), SIGINT);
    }
}
