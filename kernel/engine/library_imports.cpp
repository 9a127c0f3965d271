#include "library_imports.hpp"

#include <chrono>
#include <climits>
#include <set>
#include <string_view>

#include "opcode.h"

#include "full_collections.hpp"

namespace py = pybind11;

namespace xlazy
{
    namespace
    {
        // Python 3.11's exception table: entries of varint-coded (start, length, target,
        // depth) in code units, covering every instruction inside `try` and `with`.
        bool inside_try_or_with(PyCodeObject* code, int byte_offset)
        {
            const auto* table = reinterpret_cast<const unsigned char*>(PyBytes_AS_STRING(code->co_exceptiontable));
            const Py_ssize_t size = PyBytes_GET_SIZE(code->co_exceptiontable);
            Py_ssize_t at = 0;
            auto varint = [&]() -> long
            {
                unsigned char byte = table[at++];
                long value = byte & 63;
                while ((byte & 64) != 0 && at < size)
                {
                    byte = table[at++];
                    value = (value << 6) | (byte & 63);
                }
                return value;
            };
            while (at < size)
            {
                const long start = varint() * 2;
                const long length = at < size ? varint() * 2 : 0;
                if (at < size)
                {
                    varint(); // target
                }
                if (at < size)
                {
                    varint(); // depth and lasti
                }
                if (start <= byte_offset && byte_offset < start + length)
                {
                    return true;
                }
            }
            return false;
        }

        // True when the frame running now is executing an `import` statement of its own, not
        // calling something (C code's PyImport_Import) that reached `__import__`.
        bool at_import_statement(PyFrameObject* frame, PyCodeObject* code)
        {
            const int offset = PyFrame_GetLasti(frame);
            py::object bytecode = py::reinterpret_steal<py::object>(PyCode_GetCode(code));
            if (offset < 0 || !bytecode || offset >= PyBytes_GET_SIZE(bytecode.ptr()))
            {
                PyErr_Clear();
                return false;
            }
            const auto opcode = static_cast<unsigned char>(PyBytes_AS_STRING(bytecode.ptr())[offset]);
            return opcode == IMPORT_NAME && !inside_try_or_with(code, offset);
        }

        // Calls visit(opcode, argument) for each instruction of `code` from byte `start`, with
        // EXTENDED_ARG prefixes folded into the argument, until visit returns false. False
        // when the code's bytes cannot be had.
        template <typename Visit>
        bool visit_instructions(PyCodeObject* code, Py_ssize_t start, Visit visit)
        {
            py::object bytecode = py::reinterpret_steal<py::object>(PyCode_GetCode(code));
            if (!bytecode)
            {
                PyErr_Clear();
                return false;
            }
            const auto* units = reinterpret_cast<const unsigned char*>(PyBytes_AS_STRING(bytecode.ptr()));
            long extended = 0;
            for (Py_ssize_t at = start; at + 1 < PyBytes_GET_SIZE(bytecode.ptr()); at += 2)
            {
                const unsigned char opcode = units[at];
                const long argument = (extended << 8) | units[at + 1];
                extended = opcode == EXTENDED_ARG ? argument : 0;
                if (opcode != EXTENDED_ARG && !visit(opcode, argument))
                {
                    break;
                }
            }
            return true;
        }

        // The globals the import statement at `offset` binds (borrowed from co_names): the
        // stores that follow IMPORT_NAME, through IMPORT_FROM for the `from` and `as` forms
        // (`import a.b.c as d` drops each parent it walks through with SWAP, POP_TOP).
        std::vector<PyObject*> names_bound_by(PyCodeObject* code, int offset)
        {
            std::vector<PyObject*> names;
            bool dropping_parent = false; // between a SWAP and its POP_TOP
            visit_instructions(code, offset + 2, [&](unsigned char opcode, long argument)
            {
                if (opcode == STORE_NAME || opcode == STORE_GLOBAL)
                {
                    names.push_back(PyTuple_GET_ITEM(code->co_names, argument));
                    return true;
                }
                if (opcode == SWAP || (opcode == POP_TOP && dropping_parent))
                {
                    dropping_parent = opcode == SWAP;
                    return true;
                }
                return opcode == IMPORT_FROM; // else POP_TOP after a from-import, or the next statement
            });
            return names;
        }

        std::string top_level(const std::string& module)
        {
            return module.substr(0, module.find('.'));
        }

        // Finding these runs code that imports whole packages, so even locating them cannot
        // wait: setuptools' shim (its distutils-precedence.pth) finds `distutils` by importing
        // setuptools and pkg_resources. That is 0.6 s of a 1.3 s scikit-learn fit, reached
        // through joblib's `import distutils  # noqa`, kept only for what it did to
        // scikit-learn 1.0.
        bool located_by_running_code(const std::string& module)
        {
            return top_level(module) == "distutils";
        }

        bool uses_name_index(unsigned char opcode, long argument, Py_ssize_t index)
        {
            switch (opcode)
            {
            case LOAD_GLOBAL:
                return (argument >> 1) == index; // 3.11: the low bit says "push NULL"
            case LOAD_NAME:
            case LOAD_ATTR:
            case LOAD_METHOD:
            case STORE_ATTR:
            case DELETE_ATTR:
            case STORE_GLOBAL:
                return argument == index;
            default:
                // IMPORT_NAME, IMPORT_FROM and STORE_NAME only bind it; `del name` drops it
                // unread, as after an import kept for its side effects.
                return false;
            }
        }

        // -1 when `names` (a code object's co_names) does not hold `name`.
        Py_ssize_t index_of(PyObject* names, PyObject* name)
        {
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names); ++i)
            {
                if (PyUnicode_Compare(PyTuple_GET_ITEM(names, i), name) == 0)
                {
                    return i;
                }
            }
            return -1;
        }

        // Code that reads globals by a computed name may read any of them.
        bool reads_globals_dynamically(PyObject* names)
        {
            static const char* const ways[] = {"globals", "vars", "locals", "eval", "exec", "__dict__"};
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names); ++i)
            {
                for (const char* way : ways)
                {
                    if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(names, i), way) == 0)
                    {
                        return true;
                    }
                }
            }
            return false;
        }

        bool mentions_any(PyObject* co_names, const std::vector<PyObject*>& names)
        {
            for (PyObject* name : names)
            {
                if (index_of(co_names, name) >= 0)
                {
                    return true;
                }
            }
            return false;
        }

        // Whether code nested in a module (functions, classes, comprehensions) may read one
        // of `names`: any mention counts, attribute names included.
        bool nested_code_may_read(PyCodeObject* code, const std::vector<PyObject*>& names)
        {
            PyObject* constants = code->co_consts;
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(constants); ++i)
            {
                auto* nested = reinterpret_cast<PyCodeObject*>(PyTuple_GET_ITEM(constants, i));
                if (PyCode_Check(nested) && (mentions_any(nested->co_names, names) || reads_globals_dynamically(nested->co_names) ||
                                             nested_code_may_read(nested, names)))
                {
                    return true;
                }
            }
            return false;
        }

        // Whether anything in a module's code may read one of the globals `names` its top
        // level binds by an import statement: one pass over the code for all of them.
        bool module_may_read(PyCodeObject* code, const std::vector<PyObject*>& names)
        {
            std::vector<Py_ssize_t> indices;
            for (PyObject* name : names)
            {
                indices.push_back(index_of(code->co_names, name));
            }
            bool read = false;
            const bool scanned = visit_instructions(code, 0, [&](unsigned char opcode, long argument)
            {
                for (Py_ssize_t index : indices)
                {
                    read = read || uses_name_index(opcode, argument, index);
                }
                return !read;
            });
            return !scanned || read || reads_globals_dynamically(code->co_names) || nested_code_may_read(code, names);
        }

        // A statement whose names the module never reads is there for what importing does:
        // registering a codec, a plugin, an option, a patch.
        bool kept_for_its_side_effects(PyCodeObject* code, int import_offset)
        {
            const auto names = names_bound_by(code, import_offset);
            return !names.empty() && !module_may_read(code, names);
        }

        // `from ..x import y` in `a.b.c` imports `a.x`; empty when it cannot be resolved.
        std::string absolute_name(const std::string& name, int level, PyObject* globals)
        {
            PyObject* package = PyDict_GetItemString(globals, "__package__");
            if (package == nullptr || !PyUnicode_Check(package))
            {
                return {};
            }
            std::string base = PyUnicode_AsUTF8(package);
            for (int up = 1; up < level; ++up)
            {
                const std::size_t dot = base.rfind('.');
                if (dot == std::string::npos)
                {
                    return {};
                }
                base.resize(dot);
            }
            if (base.empty())
            {
                return {};
            }
            return name.empty() ? base : base + "." + name;
        }

        // Looked up for every import statement a module runs: one interned key, not a new
        // string each time.
        PyObject* lazy_modules_key()
        {
            static PyObject* key = PyUnicode_InternFromString("__lazy_modules__");
            return key;
        }

        bool listed_in_lazy_modules(PyObject* globals, const std::string& module)
        {
            PyObject* listed = PyDict_GetItemWithError(globals, lazy_modules_key());
            if (listed == nullptr)
            {
                return false;
            }
            py::str name(module);
            const int contains = PySequence_Contains(listed, name.ptr());
            if (contains < 0)
            {
                PyErr_Clear();
                return false;
            }
            return contains == 1;
        }

        // The text of a str without copying it; empty for anything else.
        std::string_view text_of(PyObject* object)
        {
            Py_ssize_t size = 0;
            const char* utf8 = object != nullptr && PyUnicode_Check(object) ? PyUnicode_AsUTF8AndSize(object, &size) : nullptr;
            if (utf8 == nullptr)
            {
                PyErr_Clear();
                return {};
            }
            return {utf8, static_cast<std::size_t>(size)};
        }

        // An attribute of a module's spec (`__spec__`), read from the spec's own `__dict__` so
        // that no Python code runs: a spec of another type answers nothing. Borrowed.
        PyObject* spec_attribute(PyObject* module_globals, const char* attribute)
        {
            static PyObject* module_spec_type = nullptr; // lives as long as importlib
            if (module_spec_type == nullptr)
            {
                module_spec_type = py::object(py::module_::import("importlib.machinery").attr("ModuleSpec")).release().ptr();
            }
            PyObject* spec = PyDict_GetItemString(module_globals, "__spec__");
            if (spec == nullptr || Py_TYPE(spec) != reinterpret_cast<PyTypeObject*>(module_spec_type))
            {
                return nullptr;
            }
            py::object attributes = py::reinterpret_steal<py::object>(PyObject_GenericGetDict(spec, nullptr));
            if (!attributes || !PyDict_Check(attributes.ptr()))
            {
                PyErr_Clear();
                return nullptr;
            }
            return PyDict_GetItemString(attributes.ptr(), attribute); // the spec keeps it
        }

        // The module an import statement runs in, for the record and the exclusion list: its
        // spec's name, which stays when the module renames itself, else its `__name__`.
        py::object importing_module_name(PyObject* globals)
        {
            PyObject* spec_name = spec_attribute(globals, "name");
            return py::reinterpret_borrow<py::object>(spec_name != nullptr && PyUnicode_Check(spec_name)
                                                          ? spec_name
                                                          : PyDict_GetItemString(globals, "__name__"));
        }

        // Whether the top-level package `top` is the importing module's own by its
        // `__name__`, its `__package__` or its spec's name: a module may change any of them
        // (`__name__ = 'alias'`, `__spec__ = None`), and a package's imports of its own
        // modules are where registrations happen.
        bool importers_own_package(std::string_view top, PyObject* globals)
        {
            for (PyObject* name : {PyDict_GetItemString(globals, "__name__"), PyDict_GetItemString(globals, "__package__"),
                                   spec_attribute(globals, "name")})
            {
                const std::string_view text = text_of(name);
                if (!text.empty() && text.substr(0, text.find('.')) == top)
                {
                    return true;
                }
            }
            return false;
        }

        // A package still running its `__init__` (a circular import reached it) may yet bind
        // the name a from-import asks it for.
        bool still_running(PyObject* module)
        {
            if (!PyModule_Check(module))
            {
                return false;
            }
            PyObject* initializing = spec_attribute(PyModule_GetDict(module), "_initializing");
            return initializing != nullptr && PyObject_IsTrue(initializing) == 1;
        }

        // Whether `all` mode could defer this statement at all, from its own arguments: a
        // module's top level runs hundreds of import statements, nearly all of them of its
        // own package (every relative one) or of modules imported already, and those must
        // cost no more than in `cell` mode. Nothing here calls Python code.
        bool may_defer_in_all_mode(PyObject* name, PyObject* globals, PyObject* fromlist, int level)
        {
            if (level != 0)
            {
                return false;
            }
            const std::string_view written = text_of(name);
            if (written.empty() || importers_own_package(written.substr(0, written.find('.')), globals))
            {
                return false;
            }
            PyObject* loaded = PyDict_GetItemWithError(PyImport_GetModuleDict(), name);
            if (loaded == nullptr)
            {
                PyErr_Clear();
                return true;
            }
            if (fromlist == Py_None || !PyTuple_Check(fromlist) || PyTuple_GET_SIZE(fromlist) == 0)
            {
                return false;
            }
            // A from-import of what the module already has; its own dict only, so that no
            // module __getattr__ runs here.
            PyObject* attributes = PyModule_Check(loaded) ? PyModule_GetDict(loaded) : nullptr;
            for (Py_ssize_t i = 0; attributes != nullptr && i < PyTuple_GET_SIZE(fromlist); ++i)
            {
                if (PyDict_GetItemWithError(attributes, PyTuple_GET_ITEM(fromlist, i)) != nullptr)
                {
                    return false;
                }
            }
            PyErr_Clear();
            return true;
        }

        // False for anything but an int a C int holds: such a level goes to Python's own
        // import, which reports it as it always does.
        bool as_int(PyObject* object, int& value)
        {
            if (!PyLong_Check(object))
            {
                return false;
            }
            int overflow = 0;
            const long wide = PyLong_AsLongAndOverflow(object, &overflow);
            if (overflow != 0 || (wide == -1 && PyErr_Occurred()) || wide < INT_MIN || wide > INT_MAX)
            {
                PyErr_Clear();
                return false;
            }
            value = static_cast<int>(wide);
            return true;
        }

        // Whether importing `dotted` would replace an attribute a loaded parent already has
        // (`a.b = 1` in `a`, then `import a.b`): the import system binds the submodule over
        // it as the module runs, which a pending submodule cannot do.
        bool shadowed_in_loaded_parent(const std::string& dotted, const py::dict& loaded)
        {
            for (std::size_t dot = dotted.find('.'); dot != std::string::npos; dot = dotted.find('.', dot + 1))
            {
                const std::string parent = dotted.substr(0, dot);
                const std::size_t end = dotted.find('.', dot + 1);
                const std::string child = dotted.substr(dot + 1, end == std::string::npos ? std::string::npos : end - dot - 1);
                PyObject* parent_module = PyDict_GetItemString(loaded.ptr(), parent.c_str());
                if (parent_module != nullptr && PyModule_Check(parent_module) &&
                    PyDict_GetItemString(PyModule_GetDict(parent_module), child.c_str()) != nullptr &&
                    !loaded.contains(parent + "." + child))
                {
                    return true;
                }
            }
            return false;
        }

        bool as_string(PyObject* object, std::string& text)
        {
            if (!PyUnicode_Check(object))
            {
                return false;
            }
            const char* utf8 = PyUnicode_AsUTF8(object);
            if (utf8 == nullptr)
            {
                PyErr_Clear();
                return false;
            }
            text = utf8;
            return true;
        }

        PyMethodDef import_hook_definition = {"__import__", nullptr, METH_FASTCALL | METH_KEYWORDS,
                                              "Python's __import__, deferring library imports for xlazy."};
    }

    library_imports::library_imports(const deferral_policy& policy, lazy_modules& modules, py::dict user_ns,
                                     std::function<int()> current_cell)
        : m_policy(policy), m_modules(modules), m_user_ns(user_ns), m_current_cell(std::move(current_cell))
    {
        py::module_ builtins = py::module_::import("builtins");
        m_original_import = builtins.attr("__import__");
        // The C API directly: IMPORT_NAME calls __import__ for every import statement Python
        // runs, and a vectorcall C function adds next to nothing to those it passes on.
        import_hook_definition.ml_meth = reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&import_hook));
        m_self = py::capsule(this);
        PyCapsule_SetContext(m_self.ptr(), this);
        m_hook = py::reinterpret_steal<py::object>(PyCFunction_New(&import_hook_definition, m_self.ptr()));
        if (!m_hook)
        {
            throw py::error_already_set();
        }
        builtins.attr("__import__") = m_hook;
    }

    library_imports::~library_imports()
    {
        PyCapsule_SetContext(m_self.ptr(), nullptr);
        try
        {
            py::module_ builtins = py::module_::import("builtins");
            if (py::object(builtins.attr("__import__")).is(m_hook))
            {
                builtins.attr("__import__") = m_original_import;
            }
        }
        catch (py::error_already_set& error)
        {
            error.discard_as_unraisable("xlazy: restoring __import__");
        }
    }

    PyObject* library_imports::import_hook(PyObject* self, PyObject* const* arguments, Py_ssize_t count,
                                           PyObject* keyword_names)
    {
        auto* owner = static_cast<library_imports*>(PyCapsule_GetContext(self));
        // Deciding imports modules too (the C API's own imports come back through here, with
        // the same frame still at its import statement): those go straight to Python's import.
        thread_local bool deciding = false;
        // What IMPORT_NAME passes: name, globals, locals, fromlist, level. A module's top level
        // runs with its globals as locals; functions and class bodies do not.
        int level = 0;
        if (owner != nullptr && !deciding && keyword_names == nullptr && count == 5 && arguments[1] == arguments[2] && PyDict_CheckExact(arguments[1]) &&
            arguments[1] != owner->m_user_ns.ptr() && as_int(arguments[4], level))
        {
            struct deciding_now
            {
                deciding_now() { deciding = true; }
                ~deciding_now() { deciding = false; }
            };
            try
            {
                deciding_now guard;
                if (PyObject* bound = owner->deferred_import(arguments[0], arguments[1], arguments[3], level))
                {
                    return bound;
                }
            }
            catch (py::error_already_set&)
            {
                // Whatever failed here fails again, where it belongs, in Python's own import.
            }
            catch (const std::exception&)
            {
            }
            PyErr_Clear();
            return owner->found_after_deferred_imports_ran(
                [&] { return PyImport_ImportModuleLevelObject(arguments[0], arguments[1], arguments[2], arguments[3], level); });
        }
        // Any other call (keywords, fewer arguments), or a hook someone kept after the
        // engine went: Python's own __import__.
        PyObject* original = owner != nullptr ? owner->m_original_import.ptr()
                                              : PyDict_GetItemString(PyImport_GetModuleDict(), "importlib._bootstrap");
        if (owner == nullptr && original != nullptr)
        {
            original = PyObject_GetAttrString(original, "__import__"); // the same import, in Python
            PyObject* result = original ? PyObject_Vectorcall(original, arguments, static_cast<std::size_t>(count),
                                                              keyword_names)
                                        : nullptr;
            Py_XDECREF(original);
            return result;
        }
        if (original == nullptr)
        {
            PyErr_SetString(PyExc_ImportError, "xlazy: no import function left");
            return nullptr;
        }
        auto import_now = [&] { return PyObject_Vectorcall(original, arguments, static_cast<std::size_t>(count), keyword_names); };
        return deciding ? import_now() : owner->found_after_deferred_imports_ran(import_now);
    }

    PyObject* library_imports::found_after_deferred_imports_ran(const std::function<PyObject*()>& import_now)
    {
        PyObject* imported = import_now();
        if (imported == nullptr && PyErr_ExceptionMatches(PyExc_ModuleNotFoundError) && ran_deferred_imports())
        {
            PyErr_Clear();
            imported = import_now();
        }
        return imported;
    }

    PyObject* library_imports::deferred_import(PyObject* name, PyObject* globals, PyObject* fromlist, int level)
    {
        const bool opted_in = PyDict_GetItemWithError(globals, lazy_modules_key()) != nullptr;
        if ((m_policy.mode() != lazy_mode::all && !opted_in) || level < 0 ||
            (!opted_in && !may_defer_in_all_mode(name, globals, fromlist, level)))
        {
            return nullptr;
        }
        PyFrameObject* frame = PyEval_GetFrame(); // borrowed
        if (frame == nullptr)
        {
            return nullptr;
        }
        py::object code = py::reinterpret_steal<py::object>(reinterpret_cast<PyObject*>(PyFrame_GetCode(frame)));
        PyObject* frame_globals = PyEval_GetGlobals();
        if (frame_globals != globals || !at_import_statement(frame, reinterpret_cast<PyCodeObject*>(code.ptr())))
        {
            return nullptr;
        }
        std::string importer;
        std::string written;
        const py::object importer_name = importing_module_name(globals);
        PyObject* written_name = PyDict_GetItemString(globals, "__name__");
        if (!importer_name || !as_string(importer_name.ptr(), importer) || written_name == nullptr ||
            PyUnicode_Check(written_name) == 0 || PyUnicode_CompareWithASCIIString(written_name, "__main__") == 0 ||
            !as_string(name, written))
        {
            return nullptr;
        }
        const std::string module = level == 0 ? written : absolute_name(written, level, globals);
        if (module.empty())
        {
            return nullptr;
        }

        std::vector<std::string> submodules;
        if (fromlist != Py_None)
        {
            py::object items = py::reinterpret_steal<py::object>(PySequence_Fast(fromlist, "fromlist"));
            if (!items)
            {
                PyErr_Clear();
                return nullptr;
            }
            for (py::handle item : items)
            {
                std::string text;
                if (!as_string(item.ptr(), text) || text == "*")
                {
                    return nullptr;
                }
                submodules.push_back(module + "." + text);
            }
        }
        const deferral_grounds grounds =
            may_defer(importer, module, submodules.empty() ? std::vector<std::string>{module} : submodules, level, globals);
        if (grounds == deferral_grounds::none)
        {
            return nullptr;
        }
        // Scanning the module's code is left for statements that would be deferred.
        auto for_side_effects = [&]
        { return kept_for_its_side_effects(reinterpret_cast<PyCodeObject*>(code.ptr()), PyFrame_GetLasti(frame)); };
        // PEP 810's opt-in defers what it lists, read or not; `all` mode never drops an
        // import's side effects.
        auto kept_eager_for_side_effects = [&] { return grounds == deferral_grounds::all_mode && for_side_effects(); };

        py::dict loaded = py::reinterpret_borrow<py::dict>(PyImport_GetModuleDict());
        if (submodules.empty())
        {
            if (loaded.contains(module) || shadowed_in_loaded_parent(module, loaded))
            {
                return nullptr;
            }
            if (located_by_running_code(module))
            {
                if (!for_side_effects())
                {
                    return nullptr;
                }
                record(module, importer);
                return located_on_first_use(module, py::reinterpret_borrow<py::dict>(globals)).release().ptr();
            }
            if (kept_eager_for_side_effects())
            {
                return nullptr;
            }
            auto chain = m_modules.locate(module);
            auto objects = chain ? m_modules.pending_chain(*chain, true) : std::nullopt;
            if (!objects)
            {
                return nullptr;
            }
            record(module, importer);
            return objects->front().release().ptr(); // `import a.b` binds `a`
        }

        // `from package import x, y`: deferred only when the package has run (not still
        // running, reached by a circular import) and every name is a submodule not imported
        // yet. Before the package has run nothing tells whether its `__init__` binds a name
        // of its own over the submodule (`from .helper import helper`), answers it from
        // `__getattr__` or moves its `__path__`; the statement binds what the package gives,
        // so it runs now.
        if (!loaded.contains(module) ||
            (grounds == deferral_grounds::all_mode && still_running(PyDict_GetItemString(loaded.ptr(), module.c_str()))) ||
            kept_eager_for_side_effects())
        {
            return nullptr;
        }
        std::vector<std::vector<lazy_modules::chain_link>> chains;
        for (const auto& submodule : submodules)
        {
            const std::string attribute = submodule.substr(module.size() + 1);
            if (loaded.contains(submodule) ||
                (loaded.contains(module) && py::hasattr(loaded[py::str(module)], attribute.c_str())))
            {
                return nullptr;
            }
            auto chain = m_modules.locate(submodule);
            if (!chain)
            {
                return nullptr;
            }
            chains.push_back(std::move(*chain));
        }
        py::object package;
        for (std::size_t i = 0; i < chains.size(); ++i)
        {
            auto objects = m_modules.pending_chain(chains[i], true);
            if (!objects)
            {
                return nullptr;
            }
            package = (*objects)[objects->size() - 2];
            record(submodules[i], importer);
        }
        return package.release().ptr();
    }

    py::object library_imports::located_on_first_use(const std::string& module, py::dict importer_globals)
    {
        // Not a pending module made from a spec: finding the spec is the cost. A blank module
        // stands in, in the importer's namespace only (the importer never reads it itself);
        // the first attribute read imports the real one and puts it in the stand-in's place.
        const std::string bound = top_level(module);
        py::object stand_in = py::module_::import("types").attr("ModuleType")(bound);
        py::dict attributes = stand_in.attr("__dict__");
        for (const char* key : {"__name__", "__doc__", "__package__", "__loader__", "__spec__"})
        {
            PyDict_DelItemString(attributes.ptr(), key); // every read goes to the real module
        }
        py::object stand_in_ref = py::module_::import("weakref").attr("ref")(stand_in);
        py::capsule owner = m_self;
        auto import_real = [module, bound, importer_globals, stand_in_ref, owner]() -> py::object
        {
            const auto started = std::chrono::steady_clock::now();
            {
                full_collections_postponed collections;
                py::module_::import("importlib").attr("import_module")(module);
            }
            py::object real = py::module_::import("sys").attr("modules")[py::str(bound)];
            py::object still_bound = importer_globals.attr("get")(bound);
            if (still_bound.is(stand_in_ref()))
            {
                importer_globals[py::str(bound)] = real;
            }
            if (auto* imports = static_cast<library_imports*>(PyCapsule_GetContext(owner.ptr())))
            {
                imports->executed(module, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
            }
            return real;
        };
        attributes["__getattr__"] = py::cpp_function([import_real](const std::string& name)
                                                     { return py::getattr(import_real(), name.c_str()); });
        attributes["__dir__"] = py::cpp_function([import_real]() { return py::module_::import("builtins").attr("dir")(import_real()); });
        return stand_in;
    }

    library_imports::deferral_grounds library_imports::may_defer(const std::string& importer,
                                                                  const std::string& statement_module,
                                                                  const std::vector<std::string>& modules, int level,
                                                                  PyObject* globals) const
    {
        if (m_policy.exclusion_reason(importer))
        {
            return deferral_grounds::none;
        }
        // PEP 810 lists the module a statement names; submodules listed by their full names count too.
        bool every_module_listed = true;
        for (const auto& module : modules)
        {
            if (m_policy.exclusion_reason(module))
            {
                return deferral_grounds::none;
            }
            every_module_listed = every_module_listed && listed_in_lazy_modules(globals, module);
        }
        if (every_module_listed || listed_in_lazy_modules(globals, statement_module))
        {
            return deferral_grounds::opted_in;
        }
        // On its own grounds `all` mode defers only imports of another top-level package: not a
        // relative one, which stays in the importer's package whatever its `__package__` says,
        // nor one of the importer's own package under any of its names (a module may rename
        // itself). `from a import b` imports `a.b`: the same top-level package either way.
        return m_policy.mode() == lazy_mode::all && level == 0 && !importers_own_package(top_level(modules.front()), globals)
                   ? deferral_grounds::all_mode
                   : deferral_grounds::none;
    }

    void library_imports::record(const std::string& module, const std::string& importer)
    {
        for (const auto& known : m_deferred)
        {
            if (known.module == module)
            {
                return;
            }
        }
        library_import deferred;
        deferred.module = module;
        deferred.importer = importer;
        deferred.cell = m_current_cell();
        m_deferred.push_back(std::move(deferred));
    }

    void library_imports::first_used(const std::string& module)
    {
        std::vector<std::string> statements;
        for (const auto& deferred : m_deferred)
        {
            if (!deferred.ran && (deferred.module == module || deferred.module.rfind(module + ".", 0) == 0))
            {
                statements.push_back(deferred.module);
            }
        }
        py::object import_module = py::module_::import("importlib").attr("import_module");
        for (const auto& statement : statements)
        {
            import_module(statement);
        }
    }

    bool library_imports::ran_deferred_imports()
    {
        // What runs here imports too, and may fail to find something of its own.
        thread_local bool running = false;
        if (running)
        {
            return false;
        }
        py::error_scope import_error; // the caller's ModuleNotFoundError, kept if nothing runs
        // A failing import inside `try` is the library's to handle (an optional dependency),
        // and one made by a call (`importlib.import_module`) is not a statement: what
        // libraries deferred keeps waiting.
        PyFrameObject* frame = PyEval_GetFrame(); // borrowed
        py::object code = frame != nullptr ? py::reinterpret_steal<py::object>(reinterpret_cast<PyObject*>(PyFrame_GetCode(frame)))
                                           : py::object();
        if (!code || !at_import_statement(frame, reinterpret_cast<PyCodeObject*>(code.ptr())))
        {
            return false;
        }
        struct running_now
        {
            running_now() { running = true; }
            ~running_now() { running = false; }
        } guard;
        // Modules that run here defer imports of their own, which eagerly would have run too.
        std::set<std::string> started;
        for (bool more = true; more;)
        {
            std::vector<std::string> statements;
            for (const auto& deferred : m_deferred)
            {
                if (!deferred.ran && started.insert(deferred.module).second)
                {
                    statements.push_back(deferred.module);
                }
            }
            more = !statements.empty();
            try
            {
                py::object import_module = py::module_::import("importlib").attr("import_module");
                for (const auto& statement : statements)
                {
                    import_module(statement);
                }
            }
            catch (py::error_already_set&)
            {
                // Its own failure belongs to the first read of that module (which stays
                // pending); the statement running now reports its own error.
                return false;
            }
        }
        return !started.empty();
    }

    void library_imports::executed(const std::string& module, double milliseconds)
    {
        for (auto& deferred : m_deferred)
        {
            if (deferred.module == module && !deferred.ran)
            {
                deferred.ran = true;
                deferred.run_ms = milliseconds;
                deferred.ran_in_cell = m_current_cell();
            }
        }
    }
}
