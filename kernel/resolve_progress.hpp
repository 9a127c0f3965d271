// While the imports a cell needs take longer than a moment, the cell shows what is being
// imported: an updatable display (display_data with a transient display_id) that is updated
// to an empty bundle when they are done, so nothing visible remains. It never clears
// anything: what the cell printed before and what a module prints or warns while it is
// imported stay. Its metadata says {"xlazy": {"progress": true}}, so a comparison of saved
// outputs can recognise it. Owns a timer thread; publishes only on the main thread (through
// a CPython pending call), never from the timer, and never in a forked child.
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
        std::string m_text;
        std::string m_display_id; // of the notice on screen; empty when none is
    };
}
