// Every deferred import of the session: where it was written, what it binds, its state,
// what resolved it, when, and what it cost. Owns resolution: running one import
// statement on demand, timing it, rebinding the real object in the user namespace.
// Never decides whether an import is deferred (deferral does) and never reads cells.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pybind11/pybind11.h"

namespace xlazy
{
    enum class import_state
    {
        pending,  // bound to a stand-in (pending module or placeholder), module not run
        resolved, // module run, real object bound
        failed,   // the last resolve raised; still pending, the next use retries
        dropped,  // the name was rebound or deleted before use; never run
        eager     // run at once, with the reason
    };

    std::string to_string(import_state state);

    struct deferred_import
    {
        int id = 0;
        std::string statement; // the statement as the user wrote it
        std::string binding;   // one-name statement that produces the bound object
        std::string name;      // the name bound in the user namespace
        std::string module;    // the module the statement imports
        bool from_import = false;
        int cell = 0;
        int line = 0;
        import_state state = import_state::pending;
        std::string reason;      // why eager / dropped, or the last error
        std::string resolved_by; // "cell [5]", "first use in cell [5]", "completion", ...
        std::chrono::system_clock::time_point declared_at;
        std::chrono::system_clock::time_point resolved_at;
        double resolve_ms = 0;
        std::vector<std::string> modules_loaded;
        // What the name holds while pending: the pending module of an `import` (shared by
        // every entry binding that module to the name) or the placeholder of a from-import.
        pybind11::object stand_in;
        pybind11::object value; // what the name stands for once resolved
        bool resolving = false; // its statement is running (a nested resolve must not rerun it)
        std::shared_ptr<std::recursive_mutex> lock = std::make_shared<std::recursive_mutex>();
    };

    class registry
    {
    public:
        explicit registry(pybind11::dict user_ns);

        pybind11::dict user_namespace() const { return m_user_ns; }

        // Records a pending import of `name` and returns its id.
        int add_pending(deferred_import entry);
        // Records an import that ran at once, for %lazy status.
        void add_eager(deferred_import entry, std::string reason);

        // The entries %lazy status shows: everything since the last clear().
        std::vector<const deferred_import*> listed() const;
        const deferred_import& entry(int id) const { return m_entries.at(static_cast<std::size_t>(id)); }
        void set_stand_in(int id, pybind11::object stand_in);

        // Runs the pending imports `ids` (all bind the same name) and returns the object
        // the name now stands for. `trigger` says what needed it, for %lazy status.
        // Raises the import's own exception, with a note naming the statement and cell. When
        // an interrupt stops it, what it imported under a package that failed is forgotten.
        pybind11::object resolve(const std::vector<int>& ids, const std::string& trigger);

        // Records an import that some other code ran (a library importing the same module):
        // the entry is resolved without running its statement.
        void mark_resolved(int id, double milliseconds, const std::string& trigger, const std::string& module);

        // Marks entries whose name no longer holds their stand-in as dropped.
        void drop_unbound(int cell);
        void mark_dropped(int id, std::string reason);
        // %reset: drops what is pending and lists nothing older. Entries are kept, so a
        // stand-in that escaped the namespace still resolves the right import.
        void clear();

        // Ids of entries that are pending or failed (the name still holds the stand-in).
        std::vector<int> pending_ids() const;

        // The cell running now, for "resolved by" and "declared in".
        int current_cell = 0;

        // What a placeholder's own resolution is attributed to: "first use in cell [N]"
        // unless a request (completion, inspection) says otherwise.
        std::string use_trigger() const;
        void set_use_trigger(std::string trigger) { m_use_trigger = std::move(trigger); }

    private:
        void run_binding(deferred_import& entry, pybind11::object& value);

        pybind11::dict m_user_ns;
        std::vector<deferred_import> m_entries;
        std::size_t m_first_listed = 0;
        std::string m_use_trigger;
    };
}
