#include "output_capture.hpp"

#include <cerrno>
#include <cstdio>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <thread>

#include "pybind11/pybind11.h"

#include "forked_child.hpp"

namespace py = pybind11;

namespace xlazy
{
    namespace
    {
        [[noreturn]] void throw_errno(const char* what)
        {
            throw std::system_error(errno, std::generic_category(), what);
        }

        output_capture* installed = nullptr;

        void write_fully(int fd, const char* data, std::size_t size)
        {
            for (std::size_t written = 0; written < size;)
            {
                ssize_t count = ::write(fd, data + written, size - written);
                if (count < 0 && errno == EINTR)
                {
                    continue;
                }
                if (count <= 0)
                {
                    return; // nobody reads any more: the text has nowhere to go
                }
                written += static_cast<std::size_t>(count);
            }
        }

        // Length of the valid UTF-8 sequence at `at`, 0 if invalid, -1 if `bytes` ends in
        // the middle of one that is valid so far.
        int utf8_sequence(const std::string& bytes, std::size_t at)
        {
            const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
            const unsigned char lead = byte(at);
            if (lead < 0x80)
            {
                return 1;
            }
            int length = lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3
                                                          : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                                                         : 0;
            for (int i = 1; i < length; ++i)
            {
                if (at + i >= bytes.size())
                {
                    return -1;
                }
                unsigned char next = byte(at + i);
                // The second byte also rules out overlong forms, surrogates and > U+10FFFF.
                unsigned char low = i > 1 ? 0x80 : lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
                unsigned char high = i > 1 ? 0xBF : lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
                if (next < low || next > high)
                {
                    return 0;
                }
            }
            return length;
        }

        // What can be published of `bytes` (after `incomplete`, the unfinished character of
        // the previous piece): invalid bytes become U+FFFD, as Python's "replace" does; an
        // unfinished character at the end is kept in `incomplete`.
        std::string valid_utf8(std::string& incomplete, const std::string& bytes)
        {
            std::string input = incomplete + bytes;
            incomplete.clear();
            std::string text;
            text.reserve(input.size());
            for (std::size_t at = 0; at < input.size();)
            {
                int length = utf8_sequence(input, at);
                if (length < 0)
                {
                    incomplete = input.substr(at);
                    break;
                }
                if (length == 0)
                {
                    text += "\xEF\xBF\xBD";
                    ++at;
                    continue;
                }
                text.append(input, at, static_cast<std::size_t>(length));
                at += static_cast<std::size_t>(length);
            }
            return text;
        }

        // sys.stdout.buffer: bytes to the same stream, decoded as UTF-8 when published.
        class python_binary_stream
        {
        public:
            python_binary_stream(output_capture& capture, output_capture::stream_id id, int fd)
                : m_capture(capture), m_id(id), m_fd(fd)
            {
            }

            std::size_t write(const py::buffer& data)
            {
                py::buffer_info info = data.request();
                const auto size = static_cast<std::size_t>(info.size * info.itemsize);
                m_capture.write(m_id, std::string(static_cast<const char*>(info.ptr), size));
                return size;
            }

            void flush() { m_capture.flush(); }
            int fileno() const { return m_fd; }

        private:
            output_capture& m_capture;
            output_capture::stream_id m_id;
            int m_fd;
        };

        // What sys.stdout and sys.stderr are in the kernel. Text streams in UTF-8, so
        // libraries that check `encoding` (sympy's pretty printer) print Unicode. A string
        // that cannot be encoded (a lone surrogate) is written with backslash escapes, as
        // Python's own sys.stderr does, rather than failing the print.
        class python_stream
        {
        public:
            python_stream(output_capture& capture, output_capture::stream_id id, int fd, std::string name)
                : m_capture(capture), m_id(id), m_fd(fd), m_name(std::move(name)),
                  m_buffer(py::cast(new python_binary_stream(capture, id, fd), py::return_value_policy::take_ownership))
            {
            }

            std::size_t write(const py::object& text)
            {
                if (!py::isinstance<py::str>(text))
                {
                    throw py::type_error("write() argument must be str, not " +
                                         py::str(py::type::of(text).attr("__name__")).cast<std::string>());
                }
                // The C API rather than text.encode(): print() calls this twice per line.
                auto encoded = py::reinterpret_steal<py::object>(PyUnicode_AsEncodedString(text.ptr(), "utf-8", errors));
                if (!encoded)
                {
                    throw py::error_already_set();
                }
                m_capture.write(m_id, std::string(PyBytes_AS_STRING(encoded.ptr()),
                                                  static_cast<std::size_t>(PyBytes_GET_SIZE(encoded.ptr()))));
                return static_cast<std::size_t>(PyUnicode_GET_LENGTH(text.ptr()));
            }

            void writelines(const py::iterable& lines)
            {
                for (const auto& line : lines)
                {
                    write(py::reinterpret_borrow<py::object>(line));
                }
            }

            void flush() { m_capture.flush(); }

            int fileno() const { return m_fd; }
            const std::string& name() const { return m_name; }
            const py::object& buffer() const { return m_buffer; }

            static constexpr const char* errors = "backslashreplace";

        private:
            output_capture& m_capture;
            output_capture::stream_id m_id;
            int m_fd;
            std::string m_name;
            py::object m_buffer;
        };

        py::module_ stream_module()
        {
            py::module_ module = py::module_::create_extension_module(
                "xlazy_streams", "Output streams of the xlazy kernel", new py::module_::module_def);
            py::class_<python_binary_stream>(module, "OutBuffer")
                .def("write", &python_binary_stream::write)
                .def("flush", &python_binary_stream::flush)
                .def("fileno", &python_binary_stream::fileno)
                .def("isatty", [](const python_binary_stream&) { return false; })
                .def("readable", [](const python_binary_stream&) { return false; })
                .def("writable", [](const python_binary_stream&) { return true; })
                .def("seekable", [](const python_binary_stream&) { return false; })
                .def_property_readonly("mode", [](const python_binary_stream&) { return "wb"; })
                .def_property_readonly("closed", [](const python_binary_stream&) { return false; });
            auto stream_class = py::class_<python_stream>(module, "OutStream")
                .def("write", &python_stream::write)
                .def("writelines", &python_stream::writelines)
                .def("flush", &python_stream::flush)
                .def("fileno", &python_stream::fileno)
                .def("isatty", [](const python_stream&) { return false; })
                .def("readable", [](const python_stream&) { return false; })
                .def("writable", [](const python_stream&) { return true; })
                .def("seekable", [](const python_stream&) { return false; })
                .def_property_readonly("name", &python_stream::name)
                .def_property_readonly("buffer", &python_stream::buffer)
                .def_property_readonly("encoding", [](const python_stream&) { return "UTF-8"; })
                .def_property_readonly("errors", [](const python_stream&) { return python_stream::errors; })
                .def_property_readonly("mode", [](const python_stream&) { return "w"; })
                .def_property_readonly("closed", [](const python_stream&) { return false; })
                .def_property_readonly("newlines", [](const python_stream&) { return py::none(); });
            // Code that checks for a text stream (isinstance(sys.stdout, io.TextIOBase)) accepts
            // ipykernel's; TextIOBase is an ABC, so ours is registered rather than derived.
            py::module_::import("io").attr("TextIOBase").attr("register")(stream_class);
            return module;
        }
    }

    output_capture& output_capture::install(publisher publish)
    {
        // Lives until the process ends: xeus leaves through std::exit and the reader
        // thread is detached, so nothing may destroy it earlier.
        static output_capture* capture = new output_capture(publish);
        if (installed == nullptr)
        {
            installed = capture;
            pthread_atfork(&output_capture::before_fork, nullptr, &output_capture::in_child_after_fork);
        }
        return *capture;
    }

    void output_capture::drain_installed()
    {
        if (installed != nullptr)
        {
            installed->drain();
        }
    }

    output_capture::output_capture(publisher publish)
        : m_publish(publish),
          m_streams{{"stdout", STDOUT_FILENO, -1, {}, {}, {}}, {"stderr", STDERR_FILENO, -1, {}, {}, {}}}
    {
        m_terminal_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        m_wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (m_terminal_fd < 0 || m_wake_fd < 0)
        {
            throw_errno("dup stderr / eventfd");
        }
        py::module_ streams = stream_module();
        py::module_ sys = py::module_::import("sys");
        for (auto& stream : m_streams)
        {
            redirect(stream);
            auto id = static_cast<stream_id>(&stream - m_streams);
            sys.attr(stream.name) = py::cast(
                new python_stream(*this, id, stream.target_fd, std::string("<") + stream.name + ">"),
                py::return_value_policy::take_ownership);
        }
        std::thread(&output_capture::read_loop, this).detach();
    }

    void output_capture::redirect(captured_stream& stream)
    {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0)
        {
            throw_errno("pipe");
        }
        // A larger pipe means fewer wake-ups for chatty solvers; failure only costs speed.
        fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
        fcntl(fds[0], F_SETFL, O_NONBLOCK);
        std::fflush(nullptr);
        if (dup2(fds[1], stream.target_fd) < 0)
        {
            throw_errno("dup2");
        }
        close(fds[1]);
        stream.read_fd = fds[0];
    }

    void output_capture::enqueue(stream_id id, const char* data, std::size_t size)
    {
        if (size == 0)
        {
            return;
        }
        if (nothing_waits())
        {
            m_flush_due = std::chrono::steady_clock::now() + flush_interval;
        }
        if (m_queue.empty() || m_queue.back().id != id)
        {
            m_queue.push_back({id, {}});
        }
        m_queue.back().bytes.append(data, size);
        m_queued_bytes += size;
    }

    bool output_capture::nothing_waits() const
    {
        return m_queue.empty() && m_streams[stdout_stream].unfinished_line.empty() &&
               m_streams[stderr_stream].unfinished_line.empty();
    }

    void output_capture::enqueue_unfinished_line(stream_id id)
    {
        std::string line = std::move(m_streams[id].unfinished_line);
        m_streams[id].unfinished_line.clear();
        enqueue(id, line.data(), line.size());
    }

    void output_capture::enqueue_python_text(stream_id id, const std::string& bytes)
    {
        if (nothing_waits())
        {
            m_flush_due = std::chrono::steady_clock::now() + flush_interval;
        }
        // Text of the other stream was written before this: it goes first.
        enqueue_unfinished_line(id == stdout_stream ? stderr_stream : stdout_stream);
        std::string& unfinished = m_streams[id].unfinished_line;
        unfinished += bytes;
        const std::size_t last_newline = unfinished.rfind('\n');
        const std::size_t finished = unfinished.size() >= flush_size ? unfinished.size()
                                     : last_newline == std::string::npos ? 0
                                                                         : last_newline + 1;
        if (finished > 0)
        {
            enqueue(id, unfinished.data(), finished);
            unfinished.erase(0, finished);
        }
    }

    void output_capture::read_pipes()
    {
        char chunk[65536];
        for (auto& stream : m_streams)
        {
            const auto id = static_cast<stream_id>(&stream - m_streams);
            for (;;)
            {
                ssize_t count = read(stream.read_fd, chunk, sizeof chunk);
                if (count > 0)
                {
                    enqueue(id, chunk, static_cast<std::size_t>(count));
                }
                else if (!(count < 0 && errno == EINTR))
                {
                    break; // EAGAIN: the pipe is empty
                }
            }
        }
    }

    void output_capture::read_loop()
    {
        pollfd watched[3] = {{m_streams[0].read_fd, POLLIN, 0}, {m_streams[1].read_fd, POLLIN, 0}, {m_wake_fd, POLLIN, 0}};
        for (;;)
        {
            int timeout_ms = -1;
            bool due = false;
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                if (!nothing_waits())
                {
                    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(m_flush_due - std::chrono::steady_clock::now());
                    due = left.count() <= 0 || m_queued_bytes >= flush_size;
                    timeout_ms = due ? 0 : static_cast<int>(left.count()) + 1;
                }
            }
            if (due)
            {
                drain();
                continue;
            }
            if (poll(watched, 3, timeout_ms) <= 0)
            {
                continue; // the deadline, or EINTR
            }
            if (watched[2].revents & POLLIN)
            {
                eventfd_t ignored;
                eventfd_read(m_wake_fd, &ignored);
            }
            std::lock_guard<std::mutex> lock(m_mutex);
            read_pipes();
        }
    }

    void output_capture::wake_reader()
    {
        eventfd_write(m_wake_fd, 1);
    }

    void output_capture::before_fork()
    {
        // Text not yet written belongs to the process that wrote it; the child would print
        // it again. In a child forking a grandchild, that includes its partial Python line.
        if (in_forked_child())
        {
            installed->flush_child_lines();
        }
        else
        {
            std::fflush(nullptr);
        }
    }

    void output_capture::in_child_after_fork()
    {
        // Only the parent reads the pipes. Inside fork(): close() is async-signal-safe.
        for (auto& stream : installed->m_streams)
        {
            close(stream.read_fd);
        }
    }

    void output_capture::write_from_child(captured_stream& stream, const std::string& text)
    {
        // A whole line per write: a pipe write of up to 4 KiB is never interleaved with
        // another worker's, so lines of parallel workers stay whole.
        stream.child_line += text;
        const std::size_t end = stream.child_line.rfind('\n');
        if (end != std::string::npos)
        {
            std::fflush(nullptr);
            write_fully(stream.target_fd, stream.child_line.data(), end + 1);
            stream.child_line.erase(0, end + 1);
        }
    }

    void output_capture::flush_child_lines()
    {
        std::fflush(nullptr);
        for (auto& stream : m_streams)
        {
            write_fully(stream.target_fd, stream.child_line.data(), stream.child_line.size());
            stream.child_line.clear();
        }
    }

    void output_capture::flush()
    {
        if (in_forked_child())
        {
            flush_child_lines();
        }
        else
        {
            drain();
        }
    }

    void output_capture::write(stream_id id, const std::string& bytes)
    {
        if (in_forked_child())
        {
            write_from_child(m_streams[id], bytes);
            return;
        }
        // What C code printed before this text must come out before it. Outside the lock:
        // a full pipe is only emptied by the reader, which needs the lock.
        std::fflush(nullptr);
        bool first = false;
        bool full = false;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            read_pipes();
            first = nothing_waits();
            enqueue_python_text(id, bytes);
            full = m_queued_bytes >= flush_size;
        }
        if (full)
        {
            drain(); // the writer waits for the socket: memory stays bounded
        }
        else if (first)
        {
            wake_reader(); // it now has a deadline
        }
    }

    void output_capture::begin_cells()
    {
        if (!m_cells_started)
        {
            drain();
            m_cells_started = true;
        }
    }

    void output_capture::send(stream_id id, const std::string& bytes)
    {
        captured_stream& stream = m_streams[id];
        if (!m_cells_started)
        {
            write_fully(m_terminal_fd, bytes.data(), bytes.size());
            return;
        }
        std::string text = valid_utf8(stream.incomplete, bytes);
        if (!text.empty())
        {
            m_publish(stream.name, text);
        }
    }

    void output_capture::drain()
    {
        if (in_forked_child())
        {
            flush_child_lines();
            return;
        }
        std::fflush(nullptr);
        std::lock_guard<std::mutex> flushing(m_flush_mutex);
        std::deque<chunk> taken;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            read_pipes();
            enqueue_unfinished_line(stdout_stream);
            enqueue_unfinished_line(stderr_stream);
            taken.swap(m_queue);
            m_queued_bytes = 0;
        }
        for (const auto& piece : taken)
        {
            send(piece.id, piece.bytes);
        }
    }
}
