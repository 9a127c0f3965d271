// While the imports a cell needs take longer than a moment, the cell shows what is being
// imported; the notice is cleared when they are done, so saved notebooks do not change.
// Shown only for the resolves that run before the cell's own code, when the cell has no
// output yet that clearing could remove. Owns a timer thread; publishes only on the main
// thread (through a CPython pending call), never from the timer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace xlazy
{
    class resolve_progress
    {
    public:
        // Lives for the whole process, like the threads of xeus.
        static resolve_progress& create(std::chrono::milliseconds delay);

        void started(const std::vector<std::string>& modules); // main thread
        void finished();                                       // main thread

    private:
        explicit resolve_progress(std::chrono::milliseconds delay);
        void timer_loop();
        static int show(void* self);

        std::chrono::milliseconds m_delay;
        std::mutex m_mutex;
        std::condition_variable m_changed;
        unsigned m_generation = 0; // one per resolve phase; a late timer must not show a stale notice
        bool m_active = false;
        bool m_shown = false;
        std::string m_text;
    };
}
