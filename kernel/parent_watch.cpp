#include "parent_watch.hpp"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <signal.h>
#include <unistd.h>

namespace xlazy
{
    namespace
    {
        [[noreturn]] void end_kernel(long server)
        {
            std::clog << "xlazy: the Jupyter server that started this kernel (pid " << server
                      << ") has exited without shutting it down; the kernel ends too" << std::endl;
            _exit(1);
        }
    }

    void end_with_the_server(const char* jpy_parent_pid)
    {
        if (jpy_parent_pid == nullptr || *jpy_parent_pid == '\0')
        {
            return;
        }
        char* end = nullptr;
        const long server = std::strtol(jpy_parent_pid, &end, 10);
        if (*end != '\0' || server <= 1)
        {
            return;
        }
        // Watched: the process that started the kernel, the server itself or a launcher
        // between them (the server sees the kernel end when that launcher does).
        const pid_t started_by = getppid();
        if (started_by != server && kill(static_cast<pid_t>(server), 0) != 0 && errno == ESRCH)
        {
            end_kernel(server); // the server was gone before the kernel got here
        }
        std::thread([started_by, server] {
            while (getppid() == started_by)
            {
                std::this_thread::sleep_for(std::chrono::seconds(1));
            }
            end_kernel(server);
        }).detach();
    }
}
