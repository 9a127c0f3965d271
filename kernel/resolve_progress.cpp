#include "resolve_progress.hpp"

#include <thread>

#include "pybind11/pybind11.h"
#include "xeus/xguid.hpp"
#include "xeus/xinterpreter.hpp"

#include "forked_child.hpp"

namespace xlazy
{
    namespace
    {
        nl::json notice_metadata()
        {
            return {{"xlazy", {{"progress", true}}}};
        }
    }

    resolve_progress& resolve_progress::create(std::chrono::milliseconds delay)
    {
        static resolve_progress* progress = new resolve_progress(delay);
        return *progress;
    }

    resolve_progress::resolve_progress(std::chrono::milliseconds delay) : m_delay(delay)
    {
        std::thread(&resolve_progress::timer_loop, this).detach();
    }

    void resolve_progress::started(const std::vector<std::string>& modules)
    {
        std::string listed;
        for (const auto& module : modules)
        {
            listed += (listed.empty() ? "" : ", ") + module;
        }
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            ++m_generation;
            m_active = true;
            m_text = "xlazy: importing " + listed + " for this cell…";
        }
        m_changed.notify_all();
    }

    void resolve_progress::finished()
    {
        std::string shown;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_active = false;
            shown.swap(m_display_id);
        }
        m_changed.notify_all();
        if (!shown.empty() && !in_forked_child())
        {
            xeus::get_interpreter().update_display_data(nl::json::object(), notice_metadata(),
                                                        {{"display_id", shown}});
        }
    }

    void resolve_progress::timer_loop()
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        for (;;)
        {
            m_changed.wait(lock, [this] { return m_active; });
            const unsigned generation = m_generation;
            const bool still_running = !m_changed.wait_for(
                lock, m_delay, [this, generation] { return !m_active || m_generation != generation; });
            if (still_running)
            {
                Py_AddPendingCall(&resolve_progress::show, this);
                m_changed.wait(lock, [this, generation] { return !m_active || m_generation != generation; });
            }
        }
    }

    int resolve_progress::show(void* self)
    {
        auto* progress = static_cast<resolve_progress*>(self);
        if (in_forked_child())
        {
            return 0;
        }
        std::string text;
        std::string display_id;
        {
            std::lock_guard<std::mutex> lock(progress->m_mutex);
            if (!progress->m_active || !progress->m_display_id.empty())
            {
                return 0;
            }
            progress->m_display_id = display_id = "xlazy-progress-" + xeus::new_xguid();
            text = progress->m_text;
        }
        xeus::get_interpreter().display_data(nl::json{{"text/plain", text}}, notice_metadata(),
                                             {{"display_id", display_id}});
        return 0;
    }
}
