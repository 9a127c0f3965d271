#include "shell_imports.hpp"

#include <string_view>

#include "engine/lazy_module.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace xlazy
{
    namespace
    {
        // Imported as `import m` by IPython and used only in functions: what the completer
        // imports from jedi (`import jedi`, `jedi.settings.... = False`, `import
        // jedi.api.helpers`, `import jedi.api.classes`), pexpect, which runs `!commands`, and
        // asyncio, which only top-level `await` and `%%script` need.
        constexpr const char* pending_at_start[] = {"jedi.api.helpers", "jedi.api.classes", "jedi.settings",
                                                    "pexpect", "asyncio"};

        // `from .terminal.embed import embed`, exactly as IPython/__init__ writes it.
        bool imports_embed(py::handle statement)
        {
            py::module_ ast = py::module_::import("ast");
            if (!py::isinstance(statement, ast.attr("ImportFrom")) || statement.attr("level").cast<int>() != 1 ||
                statement.attr("module").is_none() ||
                statement.attr("module").cast<std::string>() != "terminal.embed")
            {
                return false;
            }
            py::list names = statement.attr("names");
            return names.size() == 1 && names[0].attr("name").cast<std::string>() == "embed" &&
                   names[0].attr("asname").is_none();
        }

        py::object simple_namespace(py::dict attributes)
        {
            return py::module_::import("types").attr("SimpleNamespace")(**attributes);
        }
    }

    deferred_shell_imports::deferred_shell_imports()
    {
        defer_module_imports();
        defer_ipython_embed();
    }

    deferred_shell_imports::~deferred_shell_imports() = default;

    void deferred_shell_imports::defer_module_imports()
    {
        m_pending = std::make_unique<lazy_modules>([this](const std::string& module) { import_on_first_use(module); },
                                                   [](const std::string&, double) {});
        std::map<std::string, py::object> pending;
        for (const char* dotted : pending_at_start)
        {
            auto chain = m_pending->locate(dotted);
            auto objects = chain ? m_pending->pending_chain(*chain, /*carry_in_pending_parents=*/true) : std::nullopt;
            if (!objects)
            {
                return; // one is missing (or unusual): IPython imports them, or not, as it would
            }
            for (std::size_t link = 0; link < chain->size(); ++link)
            {
                if (!(*chain)[link].loaded)
                {
                    pending[(*chain)[link].name] = (*objects)[link];
                }
            }
        }
        // In sys.modules, IPython's own import statements bind them without running them.
        py::dict modules = py::module_::import("sys").attr("modules");
        for (const auto& [name, module] : pending)
        {
            modules[py::str(name)] = module;
        }
        m_pending_in_sys_modules = std::move(pending);
    }

    void deferred_shell_imports::import_on_first_use(const std::string& module)
    {
        // Out of sys.modules, the modules of its package still pending are imported the usual
        // way, in the package's own order, and the finder hands over the same objects.
        const std::string package = module.substr(0, module.find('.'));
        py::dict modules = py::module_::import("sys").attr("modules");
        for (const auto& [name, pending] : m_pending_in_sys_modules)
        {
            py::str key(name);
            const bool in_package = name.compare(0, package.size(), package) == 0 &&
                                    (name.size() == package.size() || name[package.size()] == '.');
            if (in_package && m_pending->spec_of(name) && PyDict_GetItem(modules.ptr(), key.ptr()) == pending.ptr())
            {
                PyDict_DelItem(modules.ptr(), key.ptr());
            }
        }
        py::module_::import("importlib").attr("import_module")(module);
    }

    void deferred_shell_imports::defer_ipython_embed()
    {
        py::module_ sys = py::module_::import("sys");
        if (py::dict(sys.attr("modules")).contains("IPython"))
        {
            return;
        }
        m_ipython_finder = simple_namespace(py::dict(
            "find_spec"_a = py::cpp_function(
                [this](const std::string& name, py::object, py::object) -> py::object
                { return name == "IPython" ? find_ipython_spec() : py::none(); },
                py::arg("name"), py::arg("path"), py::arg("target") = py::none())));
        sys.attr("meta_path").attr("insert")(0, m_ipython_finder);
    }

    py::object deferred_shell_imports::find_ipython_spec()
    {
        // Only the first import of IPython is ours: a reload runs the package as written.
        py::list meta_path = py::module_::import("sys").attr("meta_path");
        if (meta_path.contains(m_ipython_finder))
        {
            meta_path.attr("remove")(m_ipython_finder);
        }
        py::object spec = py::module_::import("importlib.util").attr("find_spec")("IPython");
        if (spec.is_none() || !py::hasattr(spec.attr("loader"), "get_source"))
        {
            return spec;
        }
        py::object original = spec.attr("loader");
        spec.attr("loader") = simple_namespace(py::dict(
            "create_module"_a = original.attr("create_module"),
            "exec_module"_a = py::cpp_function([this, original](py::object module)
                                               { run_ipython_without_embed(module, original); })));
        return spec;
    }

    void deferred_shell_imports::run_ipython_without_embed(py::object module, py::object original_loader)
    {
        module.attr("__spec__").attr("loader") = original_loader;
        module.attr("__loader__") = original_loader;
        const std::string origin = py::str(module.attr("__spec__").attr("origin"));
        py::module_ builtins = py::module_::import("builtins");
        py::object tree = py::module_::import("ast").attr("parse")(original_loader.attr("get_source")("IPython"), origin);
        py::list kept;
        bool embed_removed = false;
        for (py::handle statement : tree.attr("body"))
        {
            if (!embed_removed && imports_embed(statement))
            {
                embed_removed = true;
            }
            else
            {
                kept.append(statement);
            }
        }
        if (!embed_removed)
        {
            original_loader.attr("exec_module")(module); // another IPython: run it as it is
            return;
        }
        tree.attr("body") = kept;
        py::dict attributes = module.attr("__dict__");
        builtins.attr("exec")(builtins.attr("compile")(tree, origin, "exec", "dont_inherit"_a = true), attributes);

        // PEP 562 hooks: `IPython.embed` and `from IPython import embed` import the terminal
        // code when first read, and dir(IPython) lists embed as before.
        m_ipython_hooks["__getattr__"] = py::cpp_function(
            [this, attributes](const std::string& name) -> py::object
            {
                if (name != "embed")
                {
                    throw py::attribute_error("module 'IPython' has no attribute '" + name + "'");
                }
                py::object embed = py::module_::import("IPython.terminal.embed").attr("embed");
                attributes["embed"] = embed;
                for (auto hook : m_ipython_hooks)
                {
                    if (PyDict_GetItem(attributes.ptr(), hook.first.ptr()) == hook.second.ptr())
                    {
                        PyDict_DelItem(attributes.ptr(), hook.first.ptr());
                    }
                }
                return embed;
            });
        m_ipython_hooks["__dir__"] = py::cpp_function(
            [this, attributes]
            {
                py::list names;
                for (auto item : attributes)
                {
                    if (!m_ipython_hooks.contains(item.first))
                    {
                        names.append(item.first);
                    }
                }
                names.append("embed");
                return names;
            });
        attributes.attr("update")(m_ipython_hooks);
    }
}
