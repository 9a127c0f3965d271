#include "engine.hpp"

#include <algorithm>
#include <regex>

#include "pybind11/eval.h"

#include "placeholder.hpp"

namespace py = pybind11;

namespace xlazy
{
    lazy_engine::lazy_engine(py::dict user_ns, lazy_mode mode, const std::vector<std::string>& exclusions)
        : m_user_ns(user_ns), m_policy(mode, exclusions), m_registry(user_ns)
    {
        py::module_ builtins = py::module_::import("builtins");
        builtins.attr("__xlazy_defer__") = py::cpp_function([this](int plan_id) { bind_deferred(plan_id); });
        builtins.attr("__xlazy_prepare__") =
            py::cpp_function([this](const py::tuple& names) { resolve_reachable(names); });
    }

    void lazy_engine::set_source_transformer(std::function<std::string(const std::string&)> transform)
    {
        m_transform_source = std::move(transform);
    }

    void lazy_engine::begin_cell(int execution_count)
    {
        m_registry.current_cell = execution_count;
    }

    void lazy_engine::end_cell()
    {
        m_registry.drop_unbound(m_registry.current_cell);
    }

    void lazy_engine::forget_all()
    {
        m_registry.clear();
    }

    namespace
    {
        py::object call_statement(const char* function, py::object argument, py::handle located_like)
        {
            py::module_ ast = py::module_::import("ast");
            py::object call = ast.attr("Call")(ast.attr("Name")(function, ast.attr("Load")()),
                                               py::list(py::make_tuple(ast.attr("Constant")(argument))), py::list());
            py::object statement = ast.attr("Expr")(call);
            ast.attr("copy_location")(statement, located_like);
            return statement;
        }

        bool is_import(py::handle statement)
        {
            py::module_ ast = py::module_::import("ast");
            return py::isinstance(statement, ast.attr("Import")) || py::isinstance(statement, ast.attr("ImportFrom"));
        }

        // `import a` or `import a.b.c`, which all bind the package `a` itself.
        bool binds_top_package(const std::string& statement, const std::string& package)
        {
            const std::string head = "import " + package;
            return statement.rfind(head, 0) == 0 && (statement.size() == head.size() || statement[head.size()] == '.') &&
                   statement.find(" as ") == std::string::npos;
        }

        bool is_future_import(py::handle statement)
        {
            py::object import_from = py::module_::import("ast").attr("ImportFrom");
            return py::isinstance(statement, import_from) && !statement.attr("module").is_none() &&
                   statement.attr("module").cast<std::string>() == "__future__";
        }
    }

    py::object lazy_engine::eager_cell_body(const py::object& module) const
    {
        // IPython turns a `%%eager` cell into one call: get_ipython().run_cell_magic('eager', line, body).
        py::module_ ast = py::module_::import("ast");
        py::list body = module.attr("body");
        if (py::len(body) != 1 || !py::isinstance(body[0], ast.attr("Expr")))
        {
            return py::none();
        }
        py::object call = body[0].attr("value");
        if (!py::isinstance(call, ast.attr("Call")) || !py::isinstance(call.attr("func"), ast.attr("Attribute")) ||
            call.attr("func").attr("attr").cast<std::string>() != "run_cell_magic")
        {
            return py::none();
        }
        py::list args = call.attr("args");
        if (py::len(args) != 3 || !py::isinstance(args[0], ast.attr("Constant")) ||
            !py::str(args[0].attr("value")).equal(py::str("eager")))
        {
            return py::none();
        }
        std::string source = args[2].attr("value").cast<std::string>();
        if (m_transform_source)
        {
            source = m_transform_source(source);
        }
        py::object parsed = ast.attr("parse")(source);
        ast.attr("increment_lineno")(parsed, 1); // the `%%eager` line itself
        return parsed;
    }

    py::object lazy_engine::transform_cell(py::object module)
    {
        bool eager_cell = false;
        if (py::object body = eager_cell_body(module); !body.is_none())
        {
            module = body;
            eager_cell = true;
        }
        const bool has_pending = !m_registry.pending_ids().empty();
        py::list body = module.attr("body");
        const std::size_t count = py::len(body);
        const bool has_import = std::any_of(body.begin(), body.end(), [](py::handle statement) { return is_import(statement); });
        if (!has_pending && !has_import)
        {
            return module; // nothing to do: the cell runs exactly as in an eager kernel
        }

        // names_read_from[i]: what the i-th statement and those after it read; [0] is the whole cell.
        std::vector<std::set<std::string>> names_read_from(count + 1);
        for (std::size_t i = count; i-- > 0;)
        {
            names_read_from[i] = names_read_from[i + 1];
            for (const auto& name : names_read(body[i]))
            {
                names_read_from[i].insert(name);
            }
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
            if (!is_import(statement) || !m_policy.deferring() || eager_cell)
            {
                if (eager_cell && is_import(statement))
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
            std::optional<import_plan> plan = m_policy.plan(statement, names_read_from[i + 1]);
            if (!plan)
            {
                rewritten.append(statement);
                continue;
            }
            m_plans.push_back(std::move(*plan));
            rewritten.append(call_statement("__xlazy_defer__", py::int_(m_plans.size() - 1), statement));
        }

        if (has_pending && count > 0)
        {
            const std::set<std::string>& read = names_read_from[0];
            py::tuple names(read.size());
            std::size_t index = 0;
            for (const auto& name : read)
            {
                names[index++] = py::str(name);
            }
            py::object anchor = body[prepare_at < count ? prepare_at : 0];
            rewritten.insert(prepare_at, call_statement("__xlazy_prepare__", names, anchor));
        }
        module.attr("body") = rewritten;
        py::module_::import("ast").attr("fix_missing_locations")(module);
        return module;
    }

    bool lazy_engine::locatable_without_running(const std::string& module) const
    {
        // The cheap half of an import: find the module's spec without running any package
        // code, so a missing module fails at its import line. Submodules are looked up in
        // their parent's search path (the live __path__ once the parent is imported); a
        // package that builds its path only when it runs falls back to an eager import.
        py::dict modules = py::module_::import("sys").attr("modules");
        py::object find_top_level = py::module_::import("importlib.util").attr("find_spec");
        py::object find_in_path = py::module_::import("importlib.machinery").attr("PathFinder").attr("find_spec");
        py::object search_path = py::none(); // of the parent package; none for a top-level name
        for (std::size_t dot = module.find('.');; dot = module.find('.', dot + 1))
        {
            const std::string prefix = module.substr(0, dot);
            const bool last = dot == std::string::npos;
            if (modules.contains(prefix))
            {
                if (last)
                {
                    return true;
                }
                search_path = py::getattr(modules[py::str(prefix)], "__path__", py::none());
            }
            else
            {
                py::object spec = search_path.is_none() ? find_top_level(prefix)
                                                        : find_in_path(prefix, py::list(search_path));
                if (spec.is_none() || last)
                {
                    return !spec.is_none();
                }
                search_path = spec.attr("submodule_search_locations");
            }
            if (search_path.is_none())
            {
                return false; // the parent is a plain module, not a package
            }
        }
    }

    deferred_import lazy_engine::new_entry(const import_plan& plan, const import_binding& binding) const
    {
        deferred_import entry;
        entry.statement = plan.statement;
        entry.binding = binding.statement;
        entry.name = binding.name;
        entry.module = binding.module;
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
            if (!locatable_without_running(binding.module))
            {
                // Either Python's own ModuleNotFoundError, raised at this line, or a module
                // only its package knows how to find.
                bind_now(plan, binding, "found only by running its package");
                continue;
            }

            py::str name(binding.name);
            py::object current = m_user_ns.contains(name) ? py::object(m_user_ns[name]) : py::object();
            deferred_import entry = new_entry(plan, binding);
            if (current && is_placeholder(current))
            {
                const std::vector<int> ids = placeholder_ids(current);
                auto same_statement = [&](int id) { return m_registry.entry(id).binding == binding.statement; };
                if (std::any_of(ids.begin(), ids.end(), same_statement))
                {
                    continue; // importing the same thing again changes nothing
                }
                auto binds_package = [&](const std::string& statement)
                { return binds_top_package(statement, binding.name); };
                if (binds_package(binding.statement) &&
                    std::all_of(ids.begin(), ids.end(), [&](int id) { return binds_package(m_registry.entry(id).binding); }))
                {
                    // `import a.x` after `import a.y`: resolving `a` must import both.
                    entry.placeholder = current;
                    add_to_placeholder(current, m_registry.add_pending(std::move(entry)));
                    continue;
                }
            }
            const int id = m_registry.add_pending(std::move(entry));
            py::object placeholder = make_placeholder(m_registry, id);
            m_registry.set_placeholder(id, placeholder);
            m_user_ns[name] = placeholder;
        }
    }

    void lazy_engine::observe_resolves(resolve_started started, resolve_finished finished)
    {
        m_resolve_started = std::move(started);
        m_resolve_finished = std::move(finished);
    }

    void lazy_engine::resolve_reachable(const py::tuple& names)
    {
        std::set<std::string> wanted;
        for (py::handle name : names)
        {
            wanted.insert(name.cast<std::string>());
        }
        std::vector<py::object> needed;
        std::vector<std::string> modules;
        for (const auto& name : m_reach.reachable(std::move(wanted), m_user_ns))
        {
            py::str key(name);
            if (m_user_ns.contains(key) && is_placeholder(m_user_ns[key]))
            {
                needed.push_back(m_user_ns[key]);
                for (int id : placeholder_ids(needed.back()))
                {
                    modules.push_back(m_registry.entry(id).module);
                }
            }
        }
        if (needed.empty())
        {
            return;
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
        const std::string trigger = "cell [" + std::to_string(m_registry.current_cell) + "]";
        for (const auto& placeholder : needed)
        {
            resolve_placeholder(placeholder, trigger);
        }
    }

    std::vector<std::string> lazy_engine::resolve_names(const std::vector<std::string>& names,
                                                        const std::string& trigger)
    {
        std::vector<std::string> not_pending;
        for (const auto& name : names)
        {
            py::str key(name);
            if (m_user_ns.contains(key) && is_placeholder(m_user_ns[key]))
            {
                resolve_placeholder(m_user_ns[key], trigger);
            }
            else
            {
                not_pending.push_back(name);
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
