// The lazy-import engine as a kernel sees it: rewrites each cell's top-level imports into
// deferred bindings, resolves before a cell runs what the cell can reach, and answers the
// %lazy commands. Follow one cell: transform_cell (deferral decides, names_read collects)
// -> the cell runs: `__xlazy_prepare__` (reach -> registry.resolve) and
// `__xlazy_defer__` (pending modules, placeholders) -> end_cell (registry drops rebound
// names). A failure of the engine's own code never fails a cell: the cell then runs as
// written (imports eager) and the failure is reported once.
// Knows nothing of xeus or IPython beyond the shape of the syntax trees IPython runs.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pybind11/pybind11.h"

#include "deferral.hpp"
#include "lazy_module.hpp"
#include "library_imports.hpp"
#include "reach.hpp"
#include "registry.hpp"

namespace xlazy
{
    class lazy_engine
    {
    public:
        // Installs the two helpers the rewritten cells call into `builtins`, so the user
        // namespace holds nothing of the engine's.
        lazy_engine(pybind11::dict user_ns, lazy_mode mode, const std::vector<std::string>& exclusions);

        // The statements of one cell as IPython is about to run them: returns the module to run.
        pybind11::object transform_cell(pybind11::object module);

        // `%%eager`: the imports of the cell being run, and of every cell it runs itself
        // (another cell magic, %run), run at once until the cell ends.
        void run_cell_eagerly() { m_eager_cell = true; }

        void begin_cell(int execution_count);
        void end_cell();
        // %reset: the namespace is gone, and with it every pending import.
        void forget_all();

        // Resolves the pending imports bound to `names` (%lazy resolve); unknown or
        // already-resolved names are reported in the returned list.
        std::vector<std::string> resolve_names(const std::vector<std::string>& names, const std::string& trigger);
        void resolve_all(const std::string& trigger);
        // Resolves the pending imports of `module` and of its submodules; returns how many.
        std::size_t resolve_module(const std::string& module, const std::string& trigger);
        // Completion and inspection: resolves the pending name the dotted expression ending at
        // `cursor` starts with, so that its attributes can be listed.
        void resolve_for_request(const std::string& code, int cursor, const std::string& trigger);

        // Told when the imports a cell needs start and stop resolving (also on failure), so
        // that a kernel can show what is being imported while it takes long.
        using resolve_started = std::function<void(const std::vector<std::string>& modules)>;
        using resolve_finished = std::function<void()>;
        void observe_resolves(resolve_started started, resolve_finished finished);

        // Where a failure of the engine's own code is reported (once per kind); stderr by default.
        void report_faults_to(std::function<void(const std::string&)> report);

        registry& imports() { return m_registry; }
        // What libraries' own imports deferred (`all` mode, `__lazy_modules__`).
        const library_imports& library() const { return m_library; }
        deferral_policy& policy() { return m_policy; }

        // Runs `body` with the placeholders' own resolutions attributed to `trigger`.
        template <class Body>
        auto attributing_uses_to(const std::string& trigger, Body&& body)
        {
            struct restore
            {
                registry& imports;
                ~restore() { imports.set_use_trigger({}); }
            } guard{m_registry};
            m_registry.set_use_trigger(trigger);
            return body();
        }

    private:
        pybind11::object rewrite_cell(pybind11::object module);
        void bind_deferred(int plan_id);
        void prepare(const pybind11::tuple& evaluated, const pybind11::tuple& in_bodies);
        std::vector<int> ids_to_prepare(const std::set<std::string>& evaluated, const std::set<std::string>& in_bodies);
        std::optional<pybind11::object> stand_in_for(const import_binding& binding,
                                                     const std::vector<lazy_modules::chain_link>& chain);
        deferred_import new_entry(const import_plan& plan, const import_binding& binding) const;
        void bind_now(const import_plan& plan, const import_binding& binding, const std::string& reason);

        // Pending entries the name currently stands for.
        std::vector<int> pending_ids_of(const std::string& name) const;
        // Pending entries of `module` and its submodules; with `from_imports_of_module`, also
        // `from module import x` (x may be a submodule its package must carry).
        std::vector<int> pending_ids_under(const std::string& module, bool from_imports_of_module) const;
        // Resolves entries, grouped by the name they bind, in the order given, and attributes
        // what their imports bring in on the way to `trigger`.
        void resolve_ids(const std::vector<int>& ids, const std::string& trigger);
        void resolve_in_order(const std::vector<int>& ids, const std::string& trigger);
        void module_first_used(const std::string& module);
        void module_executed(const std::string& module, double milliseconds);
        void report_fault(const std::string& where, const std::string& what);

        pybind11::dict m_user_ns;
        deferral_policy m_policy;
        registry m_registry;
        reach m_reach;
        lazy_modules m_modules;
        library_imports m_library;
        std::vector<import_plan> m_plans;
        bool m_eager_cell = false;
        std::string m_resolving_for; // the trigger of the resolve running now, if any
        resolve_started m_resolve_started;
        resolve_finished m_resolve_finished;
        std::function<void(const std::string&)> m_report_fault;
        std::set<std::string> m_reported_faults;
    };
}
