#include "engine.hpp"

#include <algorithm>
#include <map>
#include <regex>

#include "pybind11/eval.h"

#include "full_collections.hpp"
#include "placeholder.hpp"

namespace py = pybind11;

namespace xlazy
{
    lazy_engine::lazy_engine(py::dict user_ns, lazy_mode mode, const std::vector<std::string>& exclusions)
        : m_user_ns(user_ns), m_policy(mode, exclusions), m_registry(user_ns),
          m_modules([this](const std::string& module) { module_first_used(module); },
                    [this](const std::string& module, double milliseconds) { module_executed(module, milliseconds); }),
          m_library(m_policy, m_modules, user_ns, [this] { return m_registry.current_cell; })
    {
        py::module_ builtins = py::module_::import("builtins");
        builtins.attr("__xlazy_defer__") = py::cpp_function([this](int plan_id) { bind_deferred(plan_id); });
        builtins.attr("__xlazy_prepare__") = py::cpp_function(
            [this](const py::tuple& evaluated, const py::tuple& in_bodies) { prepare(evaluated, in_bodies); });
        m_report_fault = [](const std::string& message)
        { py::print(message, py::arg("file") = py::module_::import("sys").attr("stderr")); };
    }

    void lazy_engine::report_faults_to(std::function<void(const std::string&)> report)
    {
        m_report_fault = std::move(report);
    }

    void lazy_engine::report_fault(const std::string& where, const std::string& what)
    {
        if (!m_reported_faults.insert(where).second)
        {
            return;
        }
        m_report_fault("xlazy: internal error in " + where + " (" + what +
                       "); this cell ran with its imports eager. Reported once per session; "
                       "please report it with the cell that caused it.");
    }

    void lazy_engine::begin_cell(int execution_count)
    {
        m_registry.current_cell = execution_count;
        m_eager_cell = false;
    }

    void lazy_engine::end_cell()
    {
        m_eager_cell = false;
        m_registry.drop_unbound(m_registry.current_cell);
        give_back_thresholds_left_held();
    }

    void lazy_engine::forget_all()
    {
        m_registry.clear();
    }

    namespace
    {
        // Every node made here takes the location of the statement it replaces or precedes:
        // ast.fix_missing_locations would walk the whole cell, in Python, on every cell.
        py::object call_statement(const char* function, py::list arguments, py::handle located_like)
        {
            py::module_ ast = py::module_::import("ast");
            py::object copy_location = ast.attr("copy_location");
            py::object name = copy_location(ast.attr("Name")(function, ast.attr("Load")()), located_like);
            for (py::handle argument : arguments)
            {
                copy_location(argument, located_like);
            }
            py::object call = copy_location(ast.attr("Call")(name, arguments, py::list()), located_like);
            return copy_location(ast.attr("Expr")(call), located_like);
        }

        py::object constant(py::object value)
        {
            return py::module_::import("ast").attr("Constant")(value);
        }

        py::tuple as_tuple(const std::set<std::string>& names)
        {
            py::tuple tuple(names.size());
            std::size_t index = 0;
            for (const auto& name : names)
            {
                tuple[index++] = py::str(name);
            }
            return tuple;
        }

        std::set<std::string> as_set(const py::tuple& names)
        {
            std::set<std::string> set;
            for (py::handle name : names)
            {
                set.insert(name.cast<std::string>());
            }
            return set;
        }

        bool is_import(py::handle statement)
        {
            py::module_ ast = py::module_::import("ast");
            return py::isinstance(statement, ast.attr("Import")) || py::isinstance(statement, ast.attr("ImportFrom"));
        }

        bool is_future_import(py::handle statement)
        {
            py::object import_from = py::module_::import("ast").attr("ImportFrom");
            return py::isinstance(statement, import_from) && !statement.attr("module").is_none() &&
                   statement.attr("module").cast<std::string>() == "__future__";
        }

        std::string exception_text(py::error_already_set& error)
        {
            return py::str(error.type().attr("__name__")).cast<std::string>() + ": " + error.what();
        }
    }

    py::object lazy_engine::transform_cell(py::object module)
    {
        try
        {
            return rewrite_cell(module);
        }
        catch (py::error_already_set& error)
        {
            report_fault("the cell analysis", exception_text(error));
        }
        catch (const std::exception& error)
        {
            report_fault("the cell analysis", error.what());
        }
        return module;
    }

    py::object lazy_engine::rewrite_cell(py::object module)
    {
        const bool has_pending = !m_registry.pending_ids().empty();
        py::list body = module.attr("body");
        const std::size_t count = py::len(body);
        const bool has_import = std::any_of(body.begin(), body.end(), [](py::handle statement) { return is_import(statement); });
        if (!has_pending && !has_import)
        {
            return module; // nothing to do: the cell runs exactly as in an eager kernel
        }

        // read_from[i]: what the i-th statement and those after it read; [0] is the whole cell.
        std::vector<names_in_code> read_from(count + 1);
        for (std::size_t i = count; i-- > 0;)
        {
            read_from[i] = read_from[i + 1];
            names_in_code statement_reads = names_read(body[i]);
            read_from[i].evaluated.insert(statement_reads.evaluated.begin(), statement_reads.evaluated.end());
            read_from[i].in_bodies.insert(statement_reads.in_bodies.begin(), statement_reads.in_bodies.end());
        }

        py::list rewritten;
        std::size_t prepare_at = 0;
        for (std::size_t i = 0; i < count; ++i)
        {
            py::object statement = body[i];
            if (is_future_import(statement) && prepare_at == i)
            {
                prepare_at = i + 1; // `from __future__` must stay first
            }
            if (!is_import(statement))
            {
                rewritten.append(statement);
                continue;
            }
            if (m_eager_cell || !m_policy.deferring())
            {
                if (m_eager_cell)
                {
                    if (auto plan = m_policy.plan(statement, {}))
                    {
                        for (const auto& binding : plan->bindings)
                        {
                            m_registry.add_eager(new_entry(*plan, binding), "%%eager cell");
                        }
                    }
                }
                rewritten.append(statement);
                continue;
            }
            std::optional<import_plan> plan = m_policy.plan(statement, read_from[i + 1]);
            if (!plan)
            {
                rewritten.append(statement);
                continue;
            }
            m_plans.push_back(std::move(*plan));
            rewritten.append(
                call_statement("__xlazy_defer__", py::list(py::make_tuple(constant(py::int_(m_plans.size() - 1)))), statement));
        }

        if (has_pending && count > 0)
        {
            py::list arguments;
            arguments.append(constant(as_tuple(read_from[0].evaluated)));
            arguments.append(constant(as_tuple(read_from[0].in_bodies)));
            py::object anchor = body[prepare_at < count ? prepare_at : 0];
            rewritten.insert(prepare_at, call_statement("__xlazy_prepare__", arguments, anchor));
        }
        module.attr("body") = rewritten;
        return module;
    }

    std::optional<py::object> lazy_engine::stand_in_for(const import_binding& binding,
                                                        const std::vector<lazy_modules::chain_link>& chain)
    {
        std::optional<std::vector<py::object>> objects = m_modules.pending_chain(chain, false);
        if (!objects)
        {
            return std::nullopt;
        }
        if (binding.from_import)
        {
            return py::none(); // a placeholder, made once the entry exists
        }
        const bool aliased = binding.statement.find(" as ") != std::string::npos;
        return aliased ? objects->back() : objects->front();
    }

    deferred_import lazy_engine::new_entry(const import_plan& plan, const import_binding& binding) const
    {
        deferred_import entry;
        entry.statement = plan.statement;
        entry.binding = binding.statement;
        entry.name = binding.name;
        entry.module = binding.module;
        entry.from_import = binding.from_import;
        entry.cell = m_registry.current_cell;
        entry.line = plan.line;
        return entry;
    }

    void lazy_engine::bind_now(const import_plan& plan, const import_binding& binding, const std::string& reason)
    {
        py::exec(py::str(binding.statement), m_user_ns);
        m_registry.add_eager(new_entry(plan, binding), reason);
    }

    void lazy_engine::bind_deferred(int plan_id)
    {
        const import_plan& plan = m_plans.at(static_cast<std::size_t>(plan_id));
        py::dict modules = py::module_::import("sys").attr("modules");
        for (const auto& binding : plan.bindings)
        {
            if (modules.contains(binding.module))
            {
                bind_now(plan, binding, "already imported");
                continue;
            }
            if (binding.eager_reason)
            {
                bind_now(plan, binding, *binding.eager_reason);
                continue;
            }
            std::optional<std::vector<lazy_modules::chain_link>> chain = m_modules.locate(binding.module);
            if (!chain)
            {
                // Either Python's own ModuleNotFoundError, raised at this line, or a module
                // only its package knows how to find.
                bind_now(plan, binding, "found only by running its package");
                continue;
            }
            std::optional<py::object> stand_in = stand_in_for(binding, *chain);
            if (!stand_in)
            {
                bind_now(plan, binding, "a compiled module, which Python can only create by running it");
                continue;
            }

            py::str name(binding.name);
            PyObject* current = PyDict_GetItemWithError(m_user_ns.ptr(), name.ptr());
            const std::vector<int> already = pending_ids_of(binding.name);
            auto same_statement = [&](int id) { return m_registry.entry(id).binding == binding.statement; };
            if (current && std::any_of(already.begin(), already.end(), same_statement) &&
                (binding.from_import || stand_in->is(py::handle(current))))
            {
                continue; // importing the same thing again changes nothing
            }
            deferred_import entry = new_entry(plan, binding);
            entry.stand_in = *stand_in;
            const int id = m_registry.add_pending(std::move(entry));
            if (binding.from_import)
            {
                m_registry.set_stand_in(id, make_placeholder(m_registry, id));
            }
            m_user_ns[name] = m_registry.entry(id).stand_in;
        }
    }

    void lazy_engine::observe_resolves(resolve_started started, resolve_finished finished)
    {
        m_resolve_started = std::move(started);
        m_resolve_finished = std::move(finished);
    }

    std::vector<int> lazy_engine::pending_ids_of(const std::string& name) const
    {
        std::vector<int> ids;
        PyObject* current = PyDict_GetItemString(m_user_ns.ptr(), name.c_str());
        if (current == nullptr)
        {
            return ids;
        }
        for (int id : m_registry.pending_ids())
        {
            const deferred_import& entry = m_registry.entry(id);
            if (entry.name == name && entry.stand_in.ptr() == current)
            {
                ids.push_back(id);
            }
        }
        return ids;
    }

    std::vector<int> lazy_engine::pending_ids_under(const std::string& module, bool from_imports_of_module) const
    {
        std::vector<int> ids;
        for (int id : m_registry.pending_ids())
        {
            const deferred_import& entry = m_registry.entry(id);
            const bool below = entry.module.rfind(module + ".", 0) == 0;
            if (!entry.resolving && (below || (entry.module == module && (from_imports_of_module || !entry.from_import))))
            {
                ids.push_back(id);
            }
        }
        return ids;
    }

    std::vector<int> lazy_engine::ids_to_prepare(const std::set<std::string>& evaluated,
                                                 const std::set<std::string>& in_bodies)
    {
        // What the cell evaluates must be real before it runs; what its functions read
        // matters for from-imports only (a pending module resolves itself when used, but a
        // placeholder in an `except` clause or a dtype cannot).
        bool everything = false;
        bool every_from_import = false;
        std::set<std::string> reached;
        std::set<std::string> reached_in_bodies;
        try
        {
            reached = m_reach.reachable(evaluated, m_user_ns);
            reached_in_bodies = m_reach.reachable(in_bodies, m_user_ns);
        }
        catch (reach::incomplete&)
        {
            every_from_import = true;
        }
        catch (py::error_already_set& error)
        {
            report_fault("following what the cell calls", exception_text(error));
            every_from_import = true;
        }
        everything = reached.count(every_name) > 0;
        every_from_import = every_from_import || everything || reached_in_bodies.count(every_name) > 0;

        std::vector<int> ids;
        auto add = [&ids](const std::vector<int>& more)
        {
            for (int id : more)
            {
                if (std::find(ids.begin(), ids.end(), id) == ids.end())
                {
                    ids.push_back(id);
                }
            }
        };
        for (int id : m_registry.pending_ids())
        {
            const deferred_import& entry = m_registry.entry(id);
            if (everything || (every_from_import && entry.from_import))
            {
                add(pending_ids_of(entry.name));
            }
        }
        for (const auto& name : reached)
        {
            if (std::string module = module_of_token(name); !module.empty())
            {
                add(pending_ids_under(module, true));
            }
            else
            {
                add(pending_ids_of(name));
            }
        }
        for (const auto& name : reached_in_bodies)
        {
            for (int id : pending_ids_of(name))
            {
                if (m_registry.entry(id).from_import)
                {
                    add({id});
                }
            }
        }
        // In the order the imports were written, as an eager kernel would have run them.
        std::sort(ids.begin(), ids.end());
        return ids;
    }

    void lazy_engine::prepare(const py::tuple& evaluated, const py::tuple& in_bodies)
    {
        const std::vector<int> ids = ids_to_prepare(as_set(evaluated), as_set(in_bodies));
        if (ids.empty())
        {
            return;
        }
        std::vector<std::string> modules;
        for (int id : ids)
        {
            modules.push_back(m_registry.entry(id).module);
        }
        struct finish
        {
            const resolve_finished& finished;
            ~finish()
            {
                if (finished)
                {
                    finished();
                }
            }
        } notify_finished{m_resolve_finished};
        if (m_resolve_started)
        {
            m_resolve_started(modules);
        }
        resolve_ids(ids, "cell [" + std::to_string(m_registry.current_cell) + "]");
    }

    void lazy_engine::resolve_ids(const std::vector<int>& ids, const std::string& trigger)
    {
        struct attribution
        {
            std::string& slot;
            std::string previous;
            ~attribution() { slot = previous; }
        } attribute_to{m_resolving_for, m_resolving_for};
        m_resolving_for = trigger;
        resolve_in_order(ids, trigger);
    }

    void lazy_engine::resolve_in_order(const std::vector<int>& ids, const std::string& trigger)
    {
        std::vector<std::string> order;
        std::map<std::string, std::vector<int>> by_name;
        for (int id : ids)
        {
            const std::string& name = m_registry.entry(id).name;
            if (by_name.count(name) == 0)
            {
                order.push_back(name);
            }
            by_name[name].push_back(id);
        }
        for (const auto& name : order)
        {
            const std::vector<int>& group = by_name[name];
            py::object stand_in = m_registry.entry(group.front()).stand_in;
            if (stand_in && is_placeholder(stand_in))
            {
                resolve_placeholder(stand_in, trigger);
            }
            else
            {
                m_registry.resolve(group, trigger);
            }
        }
    }

    void lazy_engine::module_first_used(const std::string& module)
    {
        resolve_ids(pending_ids_under(module, true), m_registry.use_trigger());
        m_library.first_used(module);
    }

    void lazy_engine::module_executed(const std::string& module, double milliseconds)
    {
        // Whoever imported it (a cell, a library, another deferred import), the statements
        // that import exactly this module are done, and the package now carries what was
        // imported through it, as it would had each import run at its line.
        m_library.executed(module, milliseconds);
        try
        {
            const std::string trigger = m_resolving_for.empty()
                                            ? "imported by other code in cell [" +
                                                  std::to_string(m_registry.current_cell) + "]"
                                            : m_resolving_for;
            std::vector<int> carried;
            for (int id : pending_ids_under(module, true))
            {
                const deferred_import& entry = m_registry.entry(id);
                if (entry.module == module && !entry.from_import)
                {
                    m_registry.mark_resolved(id, milliseconds, trigger, module);
                }
                else
                {
                    carried.push_back(id);
                }
            }
            resolve_ids(carried, trigger);
        }
        catch (py::error_already_set&)
        {
            // The failing import is recorded and raises at its own next use; the import that
            // brought this module in must not fail, nor print, because of it.
        }
    }

    std::vector<std::string> lazy_engine::resolve_names(const std::vector<std::string>& names,
                                                        const std::string& trigger)
    {
        std::vector<std::string> not_pending;
        for (const auto& name : names)
        {
            const std::vector<int> ids = pending_ids_of(name);
            if (ids.empty())
            {
                not_pending.push_back(name);
            }
            else
            {
                resolve_ids(ids, trigger);
            }
        }
        return not_pending;
    }

    void lazy_engine::resolve_all(const std::string& trigger)
    {
        std::vector<std::string> names;
        for (int id : m_registry.pending_ids())
        {
            names.push_back(m_registry.entry(id).name);
        }
        resolve_names(names, trigger);
    }

    std::size_t lazy_engine::resolve_module(const std::string& module, const std::string& trigger)
    {
        std::vector<int> ids = pending_ids_under(module, true);
        ids.erase(std::remove_if(ids.begin(), ids.end(),
                                 [&](int id) { return pending_ids_of(m_registry.entry(id).name).empty(); }),
                  ids.end());
        resolve_ids(ids, trigger);
        return ids.size();
    }

    void lazy_engine::resolve_for_request(const std::string& code, int cursor, const std::string& trigger)
    {
        const std::size_t end = cursor < 0 ? code.size() : std::min(code.size(), static_cast<std::size_t>(cursor));
        static const std::regex dotted_at_end(R"(([A-Za-z_][A-Za-z0-9_]*)(\.[A-Za-z0-9_]*)*$)");
        std::smatch match;
        const std::string before = code.substr(0, end);
        if (std::regex_search(before, match, dotted_at_end))
        {
            resolve_names({match[1].str()}, trigger);
        }
    }
}
