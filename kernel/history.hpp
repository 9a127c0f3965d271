// The kernel's input history, answering history_request the way IPython does: entries are
// [session, line, input] (or [session, line, [input, output]]), search takes a glob
// pattern, and the current session has a number of its own that range requests accept.
// Kept in memory for the life of the kernel; nothing is written to disk.
#pragma once

#include <string>
#include <vector>

#include "xeus/xhistory_manager.hpp"

namespace xlazy
{
    class history : public xeus::xhistory_manager
    {
    public:
        // IPython numbers sessions from 1; 0 and negative numbers are relative to the current one.
        static constexpr int current_session = 1;

        // xeus 2.4.1 stores every input as line 1; the interpreter says which cell runs.
        void begin_cell(int execution_count);

    private:
        struct entry
        {
            int line;
            std::string input;
            std::string output;
        };

        void configure_impl() override;
        void store_inputs_impl(int session, int line_num, const std::string& input,
                               const std::string& output) override;
        nl::json get_tail_impl(int n, bool raw, bool output) const override;
        nl::json get_range_impl(int session, int start, int stop, bool raw,
                                bool output) const override;
        nl::json search_impl(const std::string& pattern, bool raw, bool output, int n,
                             bool unique) const override;

        nl::json to_reply(const std::vector<const entry*>& selected, bool output) const;

        std::vector<entry> m_entries;
        int m_current_line = 0;
    };
}
