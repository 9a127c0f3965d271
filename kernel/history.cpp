#include "history.hpp"

#include <algorithm>
#include <set>

#include <fnmatch.h>

#include "xeus/xhelper.hpp"

namespace xlazy
{
    void history::configure_impl()
    {
    }

    void history::begin_cell(int execution_count)
    {
        m_current_line = execution_count;
    }

    void history::store_inputs_impl(int /*session*/, int /*line_num*/, const std::string& input,
                                    const std::string& output)
    {
        m_entries.push_back({m_current_line, input, output});
    }

    namespace
    {
        // The last `n` of `selected` (all when n <= 0), kept in execution order.
        template <class T>
        std::vector<T> last(std::vector<T> selected, int n)
        {
            if (n > 0 && selected.size() > static_cast<std::size_t>(n))
            {
                selected.erase(selected.begin(), selected.end() - n);
            }
            return selected;
        }
    }

    nl::json history::to_reply(const std::vector<const entry*>& selected, bool output) const
    {
        nl::json rows = nl::json::array();
        for (const entry* item : selected)
        {
            nl::json source = item->input;
            if (output)
            {
                nl::json out = item->output.empty() ? nl::json() : nl::json(item->output);
                source = nl::json::array({item->input, out});
            }
            rows.push_back(nl::json::array({current_session, item->line, source}));
        }
        nl::json reply;
        reply["status"] = "ok";
        reply["history"] = std::move(rows);
        return reply;
    }

    nl::json history::get_tail_impl(int n, bool /*raw*/, bool output) const
    {
        std::vector<const entry*> all;
        for (const auto& item : m_entries)
        {
            all.push_back(&item);
        }
        return to_reply(last(all, n), output);
    }

    nl::json history::get_range_impl(int session, int start, int stop, bool /*raw*/,
                                     bool output) const
    {
        std::vector<const entry*> selected;
        // Earlier sessions are not kept, so only the current one (by number or as 0) has lines.
        if (session == current_session || session == 0)
        {
            for (const auto& item : m_entries)
            {
                if (item.line >= start && (stop <= 0 || item.line < stop))
                {
                    selected.push_back(&item);
                }
            }
        }
        return to_reply(selected, output);
    }

    nl::json history::search_impl(const std::string& pattern, bool /*raw*/, bool output, int n,
                                  bool unique) const
    {
        std::vector<const entry*> matches;
        for (const auto& item : m_entries)
        {
            if (fnmatch(pattern.c_str(), item.input.c_str(), 0) == 0)
            {
                matches.push_back(&item);
            }
        }
        if (unique)
        {
            // Like IPython, a repeated input counts once, at its latest occurrence.
            std::set<std::string> seen;
            std::vector<const entry*> latest_first;
            for (auto it = matches.rbegin(); it != matches.rend(); ++it)
            {
                if (seen.insert((*it)->input).second)
                {
                    latest_first.push_back(*it);
                }
            }
            matches.assign(latest_first.rbegin(), latest_first.rend());
        }
        return to_reply(last(matches, n), output);
    }
}
