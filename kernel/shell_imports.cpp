#include "shell_imports.hpp"

#include <memory>
#include <string_view>
#include <vector>

#include "engine/lazy_module.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace xlazy
{
    namespace
    {
        // Imported as `import m` by IPython and used only in functions: what the completer
        // imports from jedi (`import jedi`, `jedi.settings.... = False`, `import
        // jedi.api.helpers`, `import jedi.api.classes`), pexpect, which runs `!commands`,
        // asyncio, which only top-level `await` and `%%script` need, what ultratb uses only
        // to format a traceback: stack_data (every mode but Plain) and pydoc (the variables
        // of Verbose), and the profiler only %prun runs (cProfile, pstats).
        constexpr const char* pending_at_start[] = {"jedi.api.helpers", "jedi.api.classes", "jedi.settings",
                                                    "pexpect",          "asyncio",          "stack_data",
                                                    "pydoc",            "cProfile",         "pstats"};

        // A top-level `from module import names` of an IPython module that only calls
        // those names, inside its functions.
        struct deferred_from_import
        {
            const char* importer;
            const char* module;
            std::vector<std::string> names;
        };

        const std::vector<deferred_from_import>& deferred_from_imports()
        {
            static const std::vector<deferred_from_import> statements = {
                {"IPython.core.magics.code", "urllib.request", {"Request", "urlopen"}}, // %pastebin
                // the highlighted line of a traceback's context
                {"IPython.core.ultratb", "pygments.formatters.terminal256", {"Terminal256Formatter"}},
                {"IPython.core.ultratb", "pygments.styles", {"get_style_by_name"}},
                // the HTML of an inspection
                {"IPython.core.oinspect", "pygments.lexers", {"PythonLexer"}},
                {"IPython.core.oinspect", "pygments.formatters", {"HtmlFormatter"}},
            };
            return statements;
        }

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

        bool is_exactly(py::handle fromlist, const std::vector<std::string>& names)
        {
            if (!py::isinstance<py::tuple>(fromlist) || py::len(fromlist) != names.size())
            {
                return false;
            }
            for (std::size_t i = 0; i < names.size(); ++i)
            {
                py::handle name = py::reinterpret_borrow<py::tuple>(fromlist)[i];
                if (!py::isinstance<py::str>(name) || name.cast<std::string>() != names[i])
                {
                    return false;
                }
            }
            return true;
        }

        // Whether the import statement being run is at the top level of its module: the
        // Python frame that called `__import__` is the module's code.
        bool called_from_module_code()
        {
            PyFrameObject* frame = PyEval_GetFrame(); // borrowed
            if (frame == nullptr)
            {
                return false;
            }
            auto code = py::reinterpret_steal<py::object>(reinterpret_cast<PyObject*>(PyFrame_GetCode(frame)));
            return py::str(code.attr("co_name")).cast<std::string>() == "<module>";
        }

        // What `from module import names` binds in `globals`, for now: one stand-in a name.
        // The first call of any of them imports the module and binds the real objects where
        // a stand-in of this statement is still bound (not where something was bound since),
        // as the statement would have, then calls the real one. The stand-ins are known to
        // each other only by weak reference, so none keeps another alive.
        py::object stand_ins(const deferred_from_import& statement, py::dict globals)
        {
            auto bound = std::make_shared<std::map<std::string, py::weakref>>();
            py::dict attributes;
            for (const std::string& name : statement.names)
            {
                py::cpp_function stand_in(
                    [module = std::string(statement.module), name, globals, bound](py::args args, py::kwargs kwargs)
                    {
                        py::object imported = py::module_::import("importlib").attr("import_module")(module);
                        py::object real = imported.attr(name.c_str());
                        for (const auto& [each, stand_in] : *bound)
                        {
                            py::str key(each);
                            PyObject* current = PyDict_GetItem(globals.ptr(), key.ptr()); // borrowed
                            py::object alive = stand_in();
                            if (current != nullptr && !alive.is_none() && current == alive.ptr())
                            {
                                globals[key] = imported.attr(key);
                            }
                        }
                        return real(*args, **kwargs);
                    },
                    py::name(name.c_str()));
                bound->emplace(name, py::weakref(stand_in));
                attributes[py::str(name)] = stand_in;
            }
            return simple_namespace(attributes);
        }

        // `builtins.__import__` replaced for as long as this lives, then put back unless
        // something else replaced it meanwhile.
        class import_function_swap
        {
        public:
            import_function_swap(py::object previous, py::object replacement)
                : m_builtins(py::module_::import("builtins")), m_previous(std::move(previous)),
                  m_replacement(std::move(replacement))
            {
                m_builtins.attr("__import__") = m_replacement;
            }
            ~import_function_swap()
            {
                // The C API, which cannot throw out of a destructor; reading and setting a
                // builtin only fails on memory exhaustion, and then the swap stays.
                PyObject* current = PyObject_GetAttrString(m_builtins.ptr(), "__import__");
                if (current == m_replacement.ptr() &&
                    PyObject_SetAttrString(m_builtins.ptr(), "__import__", m_previous.ptr()) != 0)
                {
                    PyErr_Clear();
                }
                if (current == nullptr)
                {
                    PyErr_Clear();
                }
                Py_XDECREF(current);
            }
            import_function_swap(const import_function_swap&) = delete;
            import_function_swap& operator=(const import_function_swap&) = delete;

        private:
            py::module_ m_builtins;
            py::object m_previous;
            py::object m_replacement;
        };

        // Runs an IPython module from its own code (its .pyc), with each deferred from-import
        // at its top level answered by stand-ins; every other import goes to the `__import__`
        // in place before.
        void run_with_stand_ins(py::object module, py::object original_loader)
        {
            const std::string importer = py::str(module.attr("__name__"));
            py::dict globals = module.attr("__dict__");
            py::object previous = py::module_::import("builtins").attr("__import__");
            py::cpp_function answering_deferred_imports(
                [importer, globals, previous](py::object name, py::object caller_globals, py::object locals,
                                              py::object fromlist, py::object level) -> py::object
                {
                    if (caller_globals.is(globals) && level.equal(py::int_(0)) && called_from_module_code())
                    {
                        for (const deferred_from_import& statement : deferred_from_imports())
                        {
                            if (importer == statement.importer && name.equal(py::str(statement.module)) &&
                                is_exactly(fromlist, statement.names))
                            {
                                try
                                {
                                    return stand_ins(statement, globals);
                                }
                                catch (py::error_already_set&)
                                {
                                    break; // the statement runs as written
                                }
                            }
                        }
                    }
                    return previous(name, caller_globals, locals, fromlist, level);
                },
                py::arg("name"), py::arg("globals") = py::none(), py::arg("locals") = py::none(),
                py::arg("fromlist") = py::tuple(), py::arg("level") = 0);
            import_function_swap swap(previous, answering_deferred_imports);
            original_loader.attr("exec_module")(module);
        }
    }

    deferred_shell_imports::deferred_shell_imports()
    {
        defer_module_imports();
        run_ipython_modules_on_first_import();
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

    void deferred_shell_imports::run_ipython_modules_on_first_import()
    {
        m_runners["IPython"] = [this](py::object module, py::object original_loader)
        { run_ipython_without_embed(module, original_loader); };
        for (const deferred_from_import& statement : deferred_from_imports())
        {
            m_runners[statement.importer] = &run_with_stand_ins;
        }
        py::module_ sys = py::module_::import("sys");
        py::dict modules = sys.attr("modules");
        for (auto runner = m_runners.begin(); runner != m_runners.end();)
        {
            runner = modules.contains(runner->first) ? m_runners.erase(runner) : std::next(runner);
        }
        if (m_runners.empty())
        {
            return;
        }
        m_finder = simple_namespace(py::dict(
            "find_spec"_a = py::cpp_function([this](const std::string& name, py::object, py::object)
                                             { return find_spec_to_run(name); },
                                             py::arg("name"), py::arg("path"), py::arg("target") = py::none())));
        sys.attr("meta_path").attr("insert")(0, m_finder);
    }

    py::object deferred_shell_imports::find_spec_to_run(const std::string& name)
    {
        auto runner = m_runners.find(name);
        if (runner == m_runners.end())
        {
            return py::none();
        }
        // Only a module's first import is ours: a reload runs it as written.
        module_runner run = std::move(runner->second);
        m_runners.erase(runner);
        py::list meta_path = py::module_::import("sys").attr("meta_path");
        if (m_runners.empty() && meta_path.contains(m_finder))
        {
            meta_path.attr("remove")(m_finder);
        }
        py::object spec;
        try
        {
            spec = py::module_::import("importlib.util").attr("find_spec")(name);
        }
        catch (py::error_already_set&)
        {
            return py::none(); // the import system finds it, or fails, as it would without us
        }
        if (spec.is_none() || !py::hasattr(spec.attr("loader"), "exec_module"))
        {
            return spec;
        }
        py::object original = spec.attr("loader");
        spec.attr("loader") = simple_namespace(py::dict(
            "create_module"_a = original.attr("create_module"),
            "exec_module"_a = py::cpp_function(
                [run, original](py::object module)
                {
                    module.attr("__spec__").attr("loader") = original;
                    module.attr("__loader__") = original;
                    run(module, original);
                })));
        return spec;
    }

    void deferred_shell_imports::run_ipython_without_embed(py::object module, py::object original_loader)
    {
        if (!py::hasattr(original_loader, "get_source"))
        {
            original_loader.attr("exec_module")(module);
            return;
        }
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
