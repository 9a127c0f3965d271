#include "lazy_module.hpp"

#include <chrono>
#include <string_view>
#include <thread>

#include "display_probe.hpp"
#include "full_collections.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace xlazy
{
    namespace
    {
        // Attributes the import system itself sets on a module; anything else found on a
        // pending module that module_from_spec did not put there was set by the user.
        bool set_by_import_system(const std::string& key)
        {
            static const char* const keys[] = {"__name__", "__loader__", "__package__", "__spec__",
                                               "__path__", "__file__",   "__cached__",  "__getattr__",
                                               "__dir__",  "__builtins__"};
            for (const char* known : keys)
            {
                if (key == known)
                {
                    return true;
                }
            }
            return false;
        }

        // pybind11's py::list(x) and py::dict(x) share x when it already is one; these copy.
        py::list copy_of_list(py::handle list)
        {
            return py::reinterpret_steal<py::list>(PySequence_List(list.ptr()));
        }

        py::dict copy_of_dict(py::handle dict)
        {
            PyObject* copy = PyDict_Copy(dict.ptr());
            if (copy == nullptr)
            {
                throw py::error_already_set();
            }
            return py::reinterpret_steal<py::dict>(copy);
        }

        bool created_by_default(py::handle loader)
        {
            // Source, bytecode, zip and namespace packages make a blank module and fill it in
            // exec_module; extension modules do their work in create_module.
            py::module_ external = py::module_::import("importlib._bootstrap_external");
            py::object create = py::getattr(py::type::handle_of(loader), "create_module", py::none());
            return create.is(external.attr("_LoaderBasics").attr("create_module")) ||
                   create.is(external.attr("NamespaceLoader").attr("create_module"));
        }

        // Loaders whose exec_module is "get the code, exec it in the module" (source and
        // bytecode files): their code can be read ahead and run later.
        bool runs_its_code(py::handle loader)
        {
            py::object basics = py::module_::import("importlib._bootstrap_external").attr("_LoaderBasics");
            py::object execute = py::getattr(py::type::handle_of(loader), "exec_module", py::none());
            return execute.is(basics.attr("exec_module")) && py::hasattr(loader, "get_code");
        }

        PyMethodDef getattr_hook_definition = {"__getattr__", nullptr, METH_O,
                                               "Runs a pending module when it is first used (xlazy)."};

        // Swaps in the sys.path and warnings filters an import saw at its line, and on the
        // way out puts back today's, keeping what the module itself added.
        class import_time_environment
        {
        public:
            import_time_environment(const py::list& sys_path, const py::list& filters)
                : m_sys(py::module_::import("sys")), m_warnings(py::module_::import("warnings")),
                  m_saved_path(sys_path), m_saved_filters(filters), m_path_now(copy_of_list(m_sys.attr("path"))),
                  m_filters_now(copy_of_list(m_warnings.attr("filters")))
            {
                // Unchanged since the import line (the usual case): nothing to swap, and the
                // module's own changes stay exactly where it made them.
                m_swap_path = !m_path_now.equal(m_saved_path);
                m_swap_filters = !m_filters_now.equal(m_saved_filters);
                if (m_swap_path)
                {
                    replace(m_sys.attr("path"), m_saved_path);
                }
                if (m_swap_filters)
                {
                    replace(m_warnings.attr("filters"), m_saved_filters);
                    m_warnings.attr("_filters_mutated")();
                }
            }
            ~import_time_environment()
            {
                try
                {
                    if (m_swap_path)
                    {
                        restore_path();
                    }
                    if (m_swap_filters)
                    {
                        restore_filters();
                    }
                }
                catch (py::error_already_set& error)
                {
                    error.discard_as_unraisable("xlazy: restoring sys.path and warnings filters");
                }
            }
            import_time_environment(const import_time_environment&) = delete;
            import_time_environment& operator=(const import_time_environment&) = delete;

        private:
            void restore_path()
            {
                    py::list path = m_path_now;
                    for (py::handle entry : added_since(m_saved_path, m_sys.attr("path")))
                    {
                        if (!path.contains(entry))
                        {
                            path.append(entry);
                        }
                    }
                    replace(m_sys.attr("path"), path);
            }

            void restore_filters()
            {
                    // A filter the module installed goes in front, where simplefilter() put it.
                    py::list filters = added_since(m_saved_filters, m_warnings.attr("filters"));
                    for (py::handle filter : m_filters_now)
                    {
                        filters.append(filter);
                    }
                    replace(m_warnings.attr("filters"), filters);
                    m_warnings.attr("_filters_mutated")();
            }

            static void replace(py::handle target, const py::list& items)
            {
                target.attr("__setitem__")(py::slice(py::none(), py::none(), py::none()), items);
            }
            static py::list added_since(const py::list& before, py::handle after)
            {
                py::list added;
                for (py::handle item : after)
                {
                    if (!before.contains(item))
                    {
                        added.append(item);
                    }
                }
                return added;
            }

            py::module_ m_sys;
            py::module_ m_warnings;
            py::list m_saved_path;
            py::list m_saved_filters;
            py::list m_path_now;
            py::list m_filters_now;
            bool m_swap_path = false;
            bool m_swap_filters = false;
        };
    }

    lazy_modules::lazy_modules(first_use_handler first_use, executed_handler executed)
        : m_first_use(std::move(first_use)), m_executed(std::move(executed))
    {
        getattr_hook_definition.ml_meth = reinterpret_cast<PyCFunction>(&getattr_hook);
        m_self = py::capsule(this);
        PyCapsule_SetContext(m_self.ptr(), this);
        py::object namespace_type = py::module_::import("types").attr("SimpleNamespace");
        m_loader_methods = py::dict(
            "create_module"_a = py::cpp_function([this](py::object spec) { return create_module(spec); }),
            "exec_module"_a = py::cpp_function([this](py::object module) { exec_module(module); }));
        m_finder = namespace_type("find_spec"_a = py::cpp_function(
                                      [this](const std::string& name, py::object, py::object)
                                      { return find_spec(name); },
                                      py::arg("name"), py::arg("path"), py::arg("target") = py::none()));
        py::module_::import("sys").attr("meta_path").attr("insert")(0, m_finder);
    }

    lazy_modules::~lazy_modules()
    {
        // The hooks and the finder call back into this object: nothing may reach them after it.
        PyCapsule_SetContext(m_self.ptr(), nullptr);
        try
        {
            py::list meta_path = py::module_::import("sys").attr("meta_path");
            if (meta_path.contains(m_finder))
            {
                meta_path.attr("remove")(m_finder);
            }
            for (auto& [name, pending] : m_records)
            {
                if (pending.current == state::pending)
                {
                    py::dict attributes = pending.module.attr("__dict__");
                    for (const char* hook : {"__getattr__", "__dir__"})
                    {
                        if (attributes.contains(hook))
                        {
                            PyDict_DelItemString(attributes.ptr(), hook);
                        }
                    }
                }
            }
        }
        catch (py::error_already_set& error)
        {
            error.discard_as_unraisable("xlazy: removing the lazy-module finder");
        }
    }

    std::optional<py::object> lazy_modules::pending_module(const std::string& name, py::handle spec)
    {
        auto found = m_records.find(name);
        if (found != m_records.end() && found->second.current != state::executed)
        {
            if (found->second.current == state::pending && found->second.code)
            {
                // Importing it again reads the file again, as an eager kernel would have
                // (the first import may have failed there, and the file been fixed since).
                found->second.code = found->second.spec.attr("loader").attr("get_code")(name);
            }
            return found->second.module;
        }
        const py::object executed_before = found != m_records.end() ? found->second.module : py::object();
        py::object loader = spec.attr("loader");
        if (loader.is_none() || !created_by_default(loader))
        {
            return std::nullopt;
        }
        record created;
        created.module = py::module_::import("importlib.util").attr("module_from_spec")(spec);
        created.spec = py::reinterpret_borrow<py::object>(spec);
        // The loader the import system adopts the module through; what else a loader answers
        // (code, data, resources) comes from the real one.
        py::dict loader_attributes = copy_of_dict(m_loader_methods);
        for (const char* answered : {"get_code", "get_source", "get_data", "get_filename", "get_resource_reader",
                                     "is_package", "name", "path"})
        {
            if (py::hasattr(loader, answered))
            {
                loader_attributes[answered] = loader.attr(answered);
            }
        }
        created.loader = py::module_::import("types").attr("SimpleNamespace")(**loader_attributes);
        // A file edited, deleted or shadowed between the import and its use must not
        // change what runs; reading it here also reports a SyntaxError at the import line.
        if (runs_its_code(loader))
        {
            created.code = loader.attr("get_code")(name);
        }
        created.initial = copy_of_dict(created.module.attr("__dict__"));
        created.sys_path = copy_of_list(py::module_::import("sys").attr("path"));
        created.warning_filters = copy_of_list(py::module_::import("warnings").attr("filters"));
        make_hooks(created, name);
        created.module.attr("__dict__").attr("update")(created.hooks);
        // Making it ran Python code (the finder's loader, get_code), during which another
        // thread may have made this module: one module object per name, or one of the two
        // importers would keep a module that never runs.
        auto made_meanwhile = m_records.find(name);
        if (made_meanwhile != m_records.end() && !made_meanwhile->second.module.is(executed_before))
        {
            return made_meanwhile->second.module;
        }
        py::object module = created.module;
        m_records[name] = std::move(created);
        return module;
    }

    void lazy_modules::keep_reaching_replacement(py::handle module, const std::string& name)
    {
        py::object imported = py::module_::import("sys").attr("modules").attr("get")(name);
        py::dict attributes = module.attr("__dict__");
        if (imported.is_none() || imported.is(module) || attributes.contains("__getattr__"))
        {
            return;
        }
        py::weakref this_module(module);
        attributes["__getattr__"] = py::cpp_function([this_module, name](const std::string& attribute) -> py::object
        {
            py::object replacement = py::module_::import("sys").attr("modules").attr("get")(name);
            if (replacement.is_none() || replacement.is(this_module()))
            {
                throw py::attribute_error("module '" + name + "' has no attribute '" + attribute + "'");
            }
            return py::getattr(replacement, attribute.c_str());
        });
    }

    void lazy_modules::make_hooks(record& pending, const std::string& name)
    {
        py::tuple self = py::make_tuple(m_self, py::str(name));
        PyObject* getattr = PyCFunction_New(&getattr_hook_definition, self.ptr());
        if (getattr == nullptr)
        {
            throw py::error_already_set();
        }
        pending.hooks["__getattr__"] = py::reinterpret_steal<py::object>(getattr);
        pending.hooks["__dir__"] = py::cpp_function(
            [this, name]
            {
                record& module = m_records.at(name);
                if (module.current == state::executing && module.executing_thread == std::this_thread::get_id())
                {
                    // The module listing itself while it runs sees what it has so far.
                    py::list names;
                    for (auto item : py::dict(module.module.attr("__dict__")))
                    {
                        if (PyDict_GetItem(module.hooks.ptr(), item.first.ptr()) != item.second.ptr())
                        {
                            names.append(item.first);
                        }
                    }
                    return py::object(names);
                }
                attribute_on_first_use(name, "__dict__");
                return py::module_::import("builtins").attr("dir")(m_records.at(name).module);
            });
    }

    py::object lazy_modules::spec_of(const std::string& name) const
    {
        auto found = m_records.find(name);
        return found != m_records.end() && found->second.current == state::pending ? found->second.spec : py::object();
    }

    PyObject* lazy_modules::getattr_hook(PyObject* self, PyObject* attribute)
    {
        // Modules are probed for attributes they lack all the time, most of all while they
        // run (hasattr, the import system): answered here with a Python AttributeError, with
        // none of the C++ exceptions a pybind11 function would throw and translate for each.
        auto* owner = static_cast<lazy_modules*>(PyCapsule_GetContext(PyTuple_GET_ITEM(self, 0)));
        PyObject* module_name = PyTuple_GET_ITEM(self, 1);
        const char* attribute_utf8 = PyUnicode_Check(attribute) ? PyUnicode_AsUTF8(attribute) : nullptr;
        if (attribute_utf8 == nullptr)
        {
            PyErr_Clear();
        }
        try
        {
            if (owner != nullptr && attribute_utf8 != nullptr)
            {
                const std::string name = PyUnicode_AsUTF8(module_name);
                if (owner->is_use(name, attribute_utf8))
                {
                    return owner->attribute_on_first_use(name, attribute_utf8).release().ptr();
                }
            }
        }
        catch (py::error_already_set& error)
        {
            error.restore();
            return nullptr;
        }
        catch (const py::builtin_exception& error)
        {
            error.set_error();
            return nullptr;
        }
        catch (const std::exception& error)
        {
            PyErr_SetString(PyExc_RuntimeError, error.what());
            return nullptr;
        }
        PyErr_Format(PyExc_AttributeError, "module '%U' has no attribute '%S'", module_name, attribute);
        return nullptr;
    }

    bool lazy_modules::is_use(const std::string& name, const std::string& attribute) const
    {
        const record& pending = m_records.at(name);
        // The import system probes for __path__, __file__ and the like while it adopts the
        // module; only a real use runs it. While it runs, its own thread sees it as Python
        // shows a module being imported, and other threads wait for the import to finish.
        const bool own_import = pending.current == state::executing &&
                                pending.executing_thread == std::this_thread::get_id();
        return !is_display_probe(attribute) && !set_by_import_system(attribute) && !own_import;
    }

    py::object lazy_modules::attribute_on_first_use(const std::string& name, const std::string& attribute)
    {
        record& pending = m_records.at(name);
        if (pending.current == state::pending)
        {
            m_first_use(name);
        }
        // What the import system gives is what an eager import bound: this module, or what
        // replaced it in sys.modules.
        py::object imported = py::module_::import("importlib").attr("import_module")(name);
        if (imported.is(m_records.at(name).module) && m_records.at(name).current != state::executed)
        {
            throw py::attribute_error("module '" + name + "' has no attribute '" + attribute + "'");
        }
        return imported.attr(attribute.c_str());
    }

    py::object lazy_modules::find_spec(const std::string& name)
    {
        auto found = m_records.find(name);
        if (found == m_records.end() || found->second.current != state::pending)
        {
            return py::none();
        }
        // Library code asking for the spec (pkgutil.get_data, runpy, importlib.resources)
        // sees the original's location and search path, and a loader that answers for it.
        const py::object& original = found->second.spec;
        py::object spec = py::module_::import("importlib.machinery")
                              .attr("ModuleSpec")(name, found->second.loader, "origin"_a = original.attr("origin"));
        spec.attr("submodule_search_locations") = original.attr("submodule_search_locations");
        spec.attr("cached") = original.attr("cached");
        spec.attr("has_location") = original.attr("has_location");
        return spec;
    }

    py::object lazy_modules::create_module(py::handle spec)
    {
        return m_records.at(spec.attr("name").cast<std::string>()).module;
    }

    void lazy_modules::exec_module(py::handle module)
    {
        const std::string name = module.attr("__spec__").attr("name").cast<std::string>();
        record& pending = m_records.at(name);
        pending.current = state::executing;
        pending.executing_thread = std::this_thread::get_id();
        py::dict attributes = module.attr("__dict__");
        py::dict set_by_user;
        for (auto item : attributes)
        {
            const std::string key = py::str(item.first);
            if (!set_by_import_system(key) &&
                PyDict_GetItem(pending.initial.ptr(), item.first.ptr()) != item.second.ptr())
            {
                set_by_user[item.first] = item.second;
            }
        }
        // The module sees the spec and loader an eager import would have given it.
        module.attr("__spec__") = pending.spec;
        module.attr("__loader__") = pending.spec.attr("loader");
        pending.spec.attr("_initializing") = true;
        const auto started = std::chrono::steady_clock::now();
        try
        {
            import_time_environment environment(pending.sys_path, pending.warning_filters);
            full_collections_postponed collections;
            if (pending.code && !pending.code.is_none())
            {
                py::module_::import("builtins").attr("exec")(pending.code, attributes);
            }
            else
            {
                pending.spec.attr("loader").attr("exec_module")(module);
            }
        }
        catch (...)
        {
            // As CPython forgets a module that failed, this one goes back to pending, so the
            // next use runs it again from the start, reading its file again: the user was
            // told to fix the cause and retry.
            pending.spec.attr("_initializing") = false;
            pending.code = py::none();
            attributes.clear();
            attributes.attr("update")(pending.initial);
            attributes.attr("update")(set_by_user);
            attributes.attr("update")(pending.hooks);
            pending.current = state::pending;
            throw;
        }
        const double milliseconds =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        attributes.attr("update")(set_by_user);
        // The hooks stayed while it ran, so another thread touching it waited for the
        // import instead of meeting a half-made module; the module may have its own now.
        for (auto hook : pending.hooks)
        {
            if (PyDict_GetItem(attributes.ptr(), hook.first.ptr()) == hook.second.ptr())
            {
                PyDict_DelItem(attributes.ptr(), hook.first.ptr());
            }
        }
        keep_reaching_replacement(pending.module, name);
        pending.spec.attr("_initializing") = false;
        pending.current = state::executed;
        m_executed(name, milliseconds);
    }
}

namespace xlazy
{
    std::optional<std::vector<lazy_modules::chain_link>> lazy_modules::locate(const std::string& dotted) const
    {
        // Submodules are looked up in their parent's search path (the live __path__ once the
        // parent is imported), so a missing module fails at its import line; a package that
        // builds its path only when it runs is not located here.
        py::dict modules = py::module_::import("sys").attr("modules");
        py::object find_top_level = py::module_::import("importlib.util").attr("find_spec");
        py::object find_in_path = py::module_::import("importlib.machinery").attr("PathFinder").attr("find_spec");
        std::vector<chain_link> chain;
        py::object search_path = py::none(); // of the parent package; none for a top-level name
        for (std::size_t dot = dotted.find('.');; dot = dotted.find('.', dot + 1))
        {
            chain_link link;
            link.name = dotted.substr(0, dot);
            if (modules.contains(link.name))
            {
                link.loaded = modules[py::str(link.name)];
                search_path = py::getattr(link.loaded, "__path__", py::none());
            }
            else
            {
                link.spec = spec_of(link.name);
                if (!link.spec)
                {
                    link.spec = chain.empty() ? find_top_level(link.name) : find_in_path(link.name, py::list(search_path));
                }
                if (link.spec.is_none())
                {
                    return std::nullopt;
                }
                search_path = link.spec.attr("submodule_search_locations");
            }
            chain.push_back(std::move(link));
            if (dot == std::string::npos)
            {
                return chain;
            }
            if (search_path.is_none())
            {
                return std::nullopt; // the parent is a plain module, not a package
            }
        }
    }

    std::optional<std::vector<py::object>> lazy_modules::pending_chain(const std::vector<chain_link>& chain,
                                                                       bool carry_in_pending_parents)
    {
        std::vector<py::object> objects;
        for (std::size_t i = 0; i < chain.size(); ++i)
        {
            if (chain[i].loaded)
            {
                objects.push_back(chain[i].loaded);
                continue;
            }
            std::optional<py::object> pending = pending_module(chain[i].name, chain[i].spec);
            if (!pending)
            {
                return std::nullopt;
            }
            if (i > 0 && (chain[i - 1].loaded || carry_in_pending_parents))
            {
                const std::string attribute = chain[i].name.substr(chain[i - 1].name.size() + 1);
                py::dict parent = objects.back().attr("__dict__");
                if (!parent.contains(attribute))
                {
                    parent[py::str(attribute)] = *pending;
                }
            }
            objects.push_back(*pending);
        }
        return objects;
    }
}
