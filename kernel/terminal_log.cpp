#include "terminal_log.hpp"

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <mutex>
#include <streambuf>
#include <string>
#include <string_view>

#include <unistd.h>

namespace xlazy
{
    namespace
    {
        constexpr std::string_view xeus_banner = "Run with XEUS ";

        // Holds each line until it is complete, then writes it to the terminal unless it is
        // xeus's banner. xeus logs from several threads, hence the lock.
        class terminal_log final : public std::streambuf
        {
        public:
            terminal_log() : m_terminal(dup(STDERR_FILENO)), m_previous(std::clog.rdbuf(this)) {}
            ~terminal_log() override
            {
                sync();
                std::clog.rdbuf(m_previous);
                if (m_terminal >= 0)
                {
                    close(m_terminal);
                }
            }
            terminal_log(const terminal_log&) = delete;
            terminal_log& operator=(const terminal_log&) = delete;

        protected:
            int_type overflow(int_type c) override
            {
                if (traits_type::eq_int_type(c, traits_type::eof()))
                {
                    return traits_type::not_eof(c);
                }
                const char character = traits_type::to_char_type(c);
                xsputn(&character, 1);
                return c;
            }

            std::streamsize xsputn(const char* text, std::streamsize count) override
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                for (std::streamsize i = 0; i < count; ++i)
                {
                    m_line.push_back(text[i]);
                    if (text[i] == '\n')
                    {
                        write_line();
                    }
                }
                return count;
            }

            // A flush without a newline writes what is there: a log line must not wait.
            int sync() override
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                if (!m_line.empty() && !may_become_banner())
                {
                    write_line();
                }
                return 0;
            }

        private:
            bool may_become_banner() const
            {
                const std::size_t compared = std::min(m_line.size(), xeus_banner.size());
                return std::string_view(m_line).substr(0, compared) == xeus_banner.substr(0, compared);
            }

            void write_line()
            {
                if (m_line.compare(0, xeus_banner.size(), xeus_banner) != 0)
                {
                    write_all(m_line);
                }
                m_line.clear();
            }

            void write_all(std::string_view text) const
            {
                while (!text.empty() && m_terminal >= 0)
                {
                    const ssize_t written = write(m_terminal, text.data(), text.size());
                    if (written < 0 && errno == EINTR)
                    {
                        continue;
                    }
                    if (written <= 0)
                    {
                        return; // a closed terminal loses the log, never the kernel
                    }
                    text.remove_prefix(static_cast<std::size_t>(written));
                }
            }

            const int m_terminal; // the kernel's stderr before any capture
            std::streambuf* const m_previous;
            std::mutex m_mutex;
            std::string m_line;
        };
    }

    void send_xeus_log_to_terminal()
    {
        // Lives until the program ends, then gives std::clog its own buffer back.
        static terminal_log log;
    }
}
