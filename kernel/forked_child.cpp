#include "forked_child.hpp"

#include <csignal>

#include <pthread.h>

namespace xlazy
{
    namespace
    {
        volatile std::sig_atomic_t forked = 0;

        // Runs inside fork() in the child, before any Python code: only async-signal-safe work.
        void mark_child() noexcept
        {
            forked = 1;
        }
    }

    void watch_forks()
    {
        pthread_atfork(nullptr, nullptr, &mark_child);
    }

    bool in_forked_child() noexcept
    {
        return forked != 0;
    }
}
