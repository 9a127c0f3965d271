// Every byte a cell prints reaches the notebook: Python's sys.stdout/sys.stderr and what
// compiled code writes straight to file descriptors 1 and 2 (C printf, Fortran solvers,
// BLAS warnings, child processes), as ipykernel 6 shows them. Owns the two pipes that
// replace fds 1 and 2, their reader thread, and the Python stream objects.
// Never publishes from a thread other than the main one: zmq sockets are not
// thread-safe, so other threads queue their text and the main thread sends it, through a
// CPython pending call while a cell runs and through drain() when it ends.
// In a forked child (multiprocessing workers, os.fork()) it never publishes, never takes
// the parent's lock and never reads the pipes: Python's text goes straight to fds 1 and 2,
// a line per write, and the kernel's reader thread publishes it like any child's output.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "pybind11/pybind11.h"

namespace xlazy
{
    class output_capture
    {
    public:
        enum stream_id
        {
            stdout_stream = 0,
            stderr_stream = 1
        };

        // Called on the main thread with the GIL held.
        using publisher = void (*)(const std::string& stream_name, const std::string& text);

        // Redirects fds 1 and 2 and installs sys.stdout / sys.stderr. Call once, on the
        // main thread, with the GIL held.
        static output_capture& install(publisher publish);

        // Where the kernel's own log goes: the original stderr, never a cell.
        int terminal_fd() const noexcept { return m_terminal_fd; }

        // Text written by Python code on any thread.
        void write(stream_id id, const std::string& text);

        // sys.stdout.flush(): on the main thread, publishes what was written so far; in a
        // forked child, writes out the partial line it holds.
        void flush();

        // Publishes everything written so far, C stdio buffers included. Main thread, GIL held.
        void drain();

        // Called as the first cell starts: what was written before (xeus's banner, start-up
        // warnings) belongs to the kernel's log, not to the user's first cell.
        void begin_cells();

    private:
        struct captured_stream
        {
            const char* name;
            int target_fd;
            int read_fd = -1;
            std::string pending;
            pybind11::object decoder; // incremental UTF-8: a read may split a character
            std::string child_line;   // used only in a forked child
        };

        explicit output_capture(publisher publish);
        void redirect(captured_stream& stream);
        void write_from_child(captured_stream& stream, const std::string& text);
        void flush_child_lines();
        static void before_fork();
        static void in_child_after_fork();
        void read_available(captured_stream& stream);
        void read_loop();
        void schedule_flush();
        static int pending_call(void* self);

        publisher m_publish;
        std::thread::id m_main_thread;
        int m_terminal_fd = -1;
        captured_stream m_streams[2];
        std::mutex m_mutex; // guards pipe reads and the pending text
        std::atomic<bool> m_flush_scheduled{false};
        bool m_cells_started = false;
    };
}
