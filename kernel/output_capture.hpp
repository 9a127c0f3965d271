// Every byte a cell prints reaches the notebook: Python's sys.stdout/sys.stderr and what
// compiled code writes straight to file descriptors 1 and 2 (C printf, Fortran solvers,
// BLAS warnings, child processes), as ipykernel 6 shows them. Owns the two pipes that
// replace fds 1 and 2, the thread that reads them, and the Python stream objects.
// Output is coalesced as ipykernel does: text waits at most flush_interval, or until
// flush_size bytes wait, and then goes out as one stream message per run of one stream, in
// the order it was written. What waits is also sent before any other message of the cell
// (display_data, clear_output, execute_result, error, the reply): the kernel server asks.
// Any thread may publish (the server serialises iopub), so text written while the kernel is
// idle, by a thread or a child process, is published within flush_interval, and a writer
// that outruns the socket waits for it: the text held is bounded by flush_size.
// In a forked child (multiprocessing workers, os.fork()) it never publishes, never takes
// the parent's locks and never reads the pipes: Python's text goes straight to fds 1 and 2,
// a line per write, and the kernel's reader thread publishes it like any child's output.
// Never touches Python outside the stream objects' methods: publishing needs no GIL.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>

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

        static constexpr std::chrono::milliseconds flush_interval{200};
        static constexpr std::size_t flush_size = 256 * 1024;

        // Publishes one stream message; any thread. False when it could not be sent.
        using publisher = bool (*)(const std::string& stream_name, const std::string& text);

        // Redirects fds 1 and 2 and installs sys.stdout / sys.stderr. Call once, on the
        // main thread, with the GIL held.
        static output_capture& install(publisher publish);

        // The installed capture, for the kernel server's flush hook.
        static void drain_installed();

        // Where the kernel's own log goes: the original stderr, never a cell.
        int terminal_fd() const noexcept { return m_terminal_fd; }

        // Text written by Python code on any thread: UTF-8 bytes.
        void write(stream_id id, const std::string& bytes);

        // sys.stdout.flush(): publishes what was written so far; in a forked child, writes
        // out the partial line it holds.
        void flush();

        // Publishes everything written so far, C stdio buffers included. Any thread.
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
            std::string incomplete; // the start of a UTF-8 character a read split
            std::string child_line; // used only in a forked child
            // Python's text after its last newline. A line Python is still writing is
            // held, as a terminal's line-buffered stdout holds it, so that whole lines from
            // the pipe (a forked child's, a C library's) go before it instead of splitting
            // it; a flush, the other stream, the deadline or the cell's end send it.
            std::string unfinished_line;
        };
        struct chunk
        {
            stream_id id;
            std::string bytes;
        };

        explicit output_capture(publisher publish);
        void redirect(captured_stream& stream);
        void write_from_child(captured_stream& stream, const std::string& text);
        void flush_child_lines();
        static void before_fork();
        static void in_child_after_fork();
        void enqueue(stream_id id, const char* data, std::size_t size); // m_mutex held
        void enqueue_python_text(stream_id id, const std::string& bytes); // m_mutex held
        void enqueue_unfinished_line(stream_id id);                      // m_mutex held
        bool nothing_waits() const;                                       // m_mutex held
        void read_pipes();                                              // m_mutex held
        void read_loop();
        void wake_reader();
        void send(stream_id id, const std::string& bytes);

        publisher m_publish;
        int m_terminal_fd = -1;
        int m_wake_fd = -1; // an eventfd: new text changes the reader's deadline
        captured_stream m_streams[2];
        std::mutex m_flush_mutex; // one flusher at a time, so messages keep the order of the text
        std::mutex m_mutex;       // guards pipe reads and the queue
        std::deque<chunk> m_queue;
        std::size_t m_queued_bytes = 0;
        std::chrono::steady_clock::time_point m_flush_due;
        std::atomic<bool> m_cells_started{false};
    };
}
