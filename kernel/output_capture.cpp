#include "output_capture.hpp"

#include <cerrno>
#include <cstdio>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include "forked_child.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

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

        // What sys.stdout and sys.stderr are in the kernel. Text streams in UTF-8, so
        // libraries that check `encoding` (sympy's pretty printer) print Unicode.
        class python_stream
        {
        public:
            python_stream(output_capture& capture, output_capture::stream_id id, int fd,
                          std::string name)
                : m_capture(capture), m_id(id), m_fd(fd), m_name(std::move(name))
            {
            }

            std::size_t write(const std::string& text)
            {
                m_capture.write(m_id, text);
                return py::len(py::str(text));
            }

            void writelines(const py::iterable& lines)
            {
                for (const auto& line : lines)
                {
                    write(line.cast<std::string>());
                }
            }

            void flush() { m_capture.flush(); }

            int fileno() const { return m_fd; }
            const std::string& name() const { return m_name; }

        private:
            output_capture& m_capture;
            output_capture::stream_id m_id;
            int m_fd;
            std::string m_name;
        };

        py::module_ stream_module()
        {
            py::module_ module = py::module_::create_extension_module(
                "xlazy_streams", "Output streams of the xlazy kernel", new py::module_::module_def);
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
                .def_property_readonly("encoding", [](const python_stream&) { return "UTF-8"; })
                .def_property_readonly("errors", [](const python_stream&) { return "strict"; })
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

    output_capture::output_capture(publisher publish)
        : m_publish(publish),
          m_main_thread(std::this_thread::get_id()),
          m_streams{{"stdout", STDOUT_FILENO, -1, {}, {}, {}}, {"stderr", STDERR_FILENO, -1, {}, {}, {}}}
    {
        m_terminal_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        if (m_terminal_fd < 0)
        {
            throw_errno("dup stderr");
        }
        py::object make_decoder =
            py::module_::import("codecs").attr("getincrementaldecoder")("utf-8");
        py::module_ streams = stream_module();
        py::module_ sys = py::module_::import("sys");
        for (auto& stream : m_streams)
        {
            stream.decoder = make_decoder("errors"_a = "replace");
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

    void output_capture::read_available(captured_stream& stream)
    {
        char chunk[65536];
        for (;;)
        {
            ssize_t count = read(stream.read_fd, chunk, sizeof chunk);
            if (count > 0)
            {
                stream.pending.append(chunk, static_cast<std::size_t>(count));
            }
            else if (!(count < 0 && errno == EINTR))
            {
                return; // EAGAIN: the pipe is empty
            }
        }
    }

    void output_capture::read_loop()
    {
        pollfd watched[2] = {{m_streams[0].read_fd, POLLIN, 0}, {m_streams[1].read_fd, POLLIN, 0}};
        for (;;)
        {
            if (poll(watched, 2, -1) <= 0)
            {
                continue; // EINTR
            }
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                for (auto& stream : m_streams)
                {
                    read_available(stream);
                }
            }
            schedule_flush();
        }
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
        else if (std::this_thread::get_id() == m_main_thread)
        {
            drain();
        }
    }

    void output_capture::write(stream_id id, const std::string& text)
    {
        if (in_forked_child())
        {
            write_from_child(m_streams[id], text);
            return;
        }
        const bool on_main_thread = std::this_thread::get_id() == m_main_thread;
        if (on_main_thread)
        {
            // What C code printed before this text must come out before it. Outside the
            // lock: a full pipe is only emptied by the reader, which needs the lock.
            std::fflush(nullptr);
        }
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (on_main_thread)
            {
                read_available(m_streams[id]);
            }
            m_streams[id].pending += text;
        }
        // print() writes its pieces separately; a line is published whole, and a partial
        // line as soon as the running code lets CPython run its pending calls.
        if (on_main_thread && text.find('\n') != std::string::npos)
        {
            drain();
        }
        else
        {
            schedule_flush();
        }
    }

    void output_capture::schedule_flush()
    {
        if (!m_flush_scheduled.exchange(true) &&
            Py_AddPendingCall(&output_capture::pending_call, this) != 0)
        {
            m_flush_scheduled = false; // CPython's queue is full: the next write retries
        }
    }

    int output_capture::pending_call(void* self)
    {
        auto* capture = static_cast<output_capture*>(self);
        capture->m_flush_scheduled = false;
        try
        {
            capture->drain();
        }
        catch (py::error_already_set& error)
        {
            // Failing to show output must not raise into whatever user code is running.
            error.discard_as_unraisable("xlazy: publishing captured output");
        }
        catch (const std::exception&)
        {
        }
        return 0;
    }

    void output_capture::begin_cells()
    {
        if (!m_cells_started)
        {
            drain();
            m_cells_started = true;
        }
    }

    void output_capture::drain()
    {
        if (in_forked_child())
        {
            flush_child_lines(); // a pending call the parent had scheduled before the fork
            return;
        }
        std::fflush(nullptr);
        std::string taken[2];
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            for (std::size_t i = 0; i < 2; ++i)
            {
                read_available(m_streams[i]);
                taken[i].swap(m_streams[i].pending);
            }
        }
        for (std::size_t i = 0; i < 2; ++i)
        {
            if (taken[i].empty())
            {
                continue;
            }
            if (!m_cells_started)
            {
                for (std::size_t written = 0; written < taken[i].size();)
                {
                    ssize_t count = ::write(m_terminal_fd, taken[i].data() + written, taken[i].size() - written);
                    if (count <= 0 && errno != EINTR)
                    {
                        break;
                    }
                    written += count > 0 ? static_cast<std::size_t>(count) : 0;
                }
                continue;
            }
            std::string text = m_streams[i].decoder.attr("decode")(py::bytes(taken[i])).cast<std::string>();
            if (!text.empty())
            {
                m_publish(m_streams[i].name, text);
            }
        }
    }
}
