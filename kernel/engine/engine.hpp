// The lazy-import engine as a kernel sees it: rewrites each cell's top-level imports into
// deferred bindings, resolves before a cell runs what the cell can reach, and answers the
// %lazy commands. Follow one cell: transform_cell (deferral decides, names_read collects)
// -> the cell runs: `__xlazy_prepare__` (reach -> registry.resolve) and
// `__xlazy_defer__` (placeholders) -> end_cell (registry drops rebound names).
// Knows nothing of xeus or IPython beyond IPython's AST-transformer protocol.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "pybind11/pybind11.h"

#include "deferral.hpp"
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

        // For `%%eager` cells the engine reparses the body; IPython's input transformations
        // (magics, shell escapes) must be applied to it first.
        void set_source_transformer(std::function<std::string(const std::string&)> transform);

        // IPython's ast_transformers protocol: returns the module to run.
        pybind11::object transform_cell(pybind11::object module);

        void begin_cell(int execution_count);
        void end_cell();
        // %reset: the namespace is gone, and with it every pending import.
        void forget_all();

        // Resolves the pending imports bound to `names` (%lazy resolve); unknown or
        // already-resolved names are reported in the returned list.
        std::vector<std::string> resolve_names(const std::vector<std::string>& names, const std::string& trigger);
        void resolve_all(const std::string& trigger);
        // Completion and inspection: resolves the pending name the dotted expression ending at
        // `cursor` starts with, so that its attributes can be listed.
        void resolve_for_request(const std::string& code, int cursor, const std::string& trigger);

        // Told when the imports a cell needs start and stop resolving (also on failure), so
        // that a kernel can show what is being imported while it takes long.
        using resolve_started = std::function<void(const std::vector<std::string>& modules)>;
        using resolve_finished = std::function<void()>;
        void observe_resolves(resolve_started started, resolve_finished finished);

        registry& imports() { return m_registry; }
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
        void bind_deferred(int plan_id);
        void resolve_reachable(const pybind11::tuple& names);
        bool locatable_without_running(const std::string& module) const;
        deferred_import new_entry(const import_plan& plan, const import_binding& binding) const;
        void bind_now(const import_plan& plan, const import_binding& binding, const std::string& reason);
        pybind11::object eager_cell_body(const pybind11::object& module) const;

        pybind11::dict m_user_ns;
        deferral_policy m_policy;
        registry m_registry;
        reach m_reach;
        std::vector<import_plan> m_plans;
        std::function<std::string(const std::string&)> m_transform_source;
        resolve_started m_resolve_started;
        resolve_finished m_resolve_finished;
    };
}
