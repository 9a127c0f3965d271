#include "interrupts.hpp"

#include <csignal>
#include <ctime>

#include <pthread.h>
#include <unistd.h>

#include "pybind11/pybind11.h"
#include "xeus/xserver_shell_main.hpp"

#include "forked_child.hpp"

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

    namespace
    {
        // Delegates everything to xeus's own server, watching control messages on the way.
        // In a forked child nothing is sent: the sockets and their threads are the parent's.
        class interruptible_server : public xeus::xserver
        {
        public:
            explicit interruptible_server(std::unique_ptr<xeus::xserver> inner)
                : m_inner(std::move(inner))
            {
                m_inner->register_shell_listener([this](xeus::xmessage message)
                                                 { notify_shell_listener(std::move(message)); });
                m_inner->register_stdin_listener([this](xeus::xmessage message)
                                                 { notify_stdin_listener(std::move(message)); });
                m_inner->register_internal_listener([this](nl::json message)
                                                    { return notify_internal_listener(std::move(message)); });
                m_inner->register_control_listener(
                    [this](xeus::xmessage message)
                    {
                        if (message.header().value("msg_type", "") == "interrupt_request")
                        {
                            kill(getpid(), SIGINT);
                        }
                        notify_control_listener(std::move(message));
                    });
            }

        private:
            xeus::xcontrol_messenger& get_control_messenger_impl() override
            {
                return m_inner->get_control_messenger();
            }
            void send_shell_impl(xeus::xmessage message) override
            {
                if (!in_forked_child())
                {
                    m_inner->send_shell(std::move(message));
                }
            }
            void send_control_impl(xeus::xmessage message) override
            {
                if (!in_forked_child())
                {
                    m_inner->send_control(std::move(message));
                }
            }
            void send_stdin_impl(xeus::xmessage message) override
            {
                if (!in_forked_child())
                {
                    m_inner->send_stdin(std::move(message));
                }
            }
            void publish_impl(xeus::xpub_message message, xeus::channel c) override
            {
                if (!in_forked_child())
                {
                    m_inner->publish(std::move(message), c);
                }
            }
            void start_impl(xeus::xpub_message message) override { m_inner->start(std::move(message)); }
            void abort_queue_impl(const listener& l, long polling_interval) override
            {
                m_inner->abort_queue(l, polling_interval);
            }
            void stop_impl() override { m_inner->stop(); }
            void update_config_impl(xeus::xconfiguration& config) const override
            {
                m_inner->update_config(config);
            }

            std::unique_ptr<xeus::xserver> m_inner;
        };
    }

    std::unique_ptr<xeus::xserver> make_interruptible_server(xeus::xcontext& context,
                                                             const xeus::xconfiguration& config,
                                                             nl::json::error_handler_t eh)
    {
        return std::make_unique<interruptible_server>(xeus::make_xserver_shell_main(context, config, eh));
    }
}
