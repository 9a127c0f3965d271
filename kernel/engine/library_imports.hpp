// Deferral inside libraries: the `import` statements a module runs at its top level, in
// `all` mode, and those its `__lazy_modules__` lists (PEP 810's opt-in), in every mode.
// Such an import binds the same pending module objects a cell's deferred import binds, so
// identity holds and the module runs on first use. Only what is safe to defer is: a
// statement outside `try` and `with`, importing a module of another top-level package (a
// package's imports of its own modules are where registrations happen), neither side on
// the exclusion list, not `import *`, not a from-import of anything but submodules.
// Everything else goes to Python's own import at once, and so, in `all` mode, does a
// statement binding names the importer's code never reads (bytecode: loads, attributes,
// nested code, dynamic namespace access): it is there for its side effects. The one
// exception to "same pending module objects": a module whose locating runs code
// (setuptools' distutils shim) is neither located nor bound as itself while its importer
// never reads it; a stand-in takes its place until first read. Owns the `builtins.__import__` it
// installs and the record of what it deferred; never touches the user namespace.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "pybind11/pybind11.h"

#include "deferral.hpp"
#include "lazy_module.hpp"

namespace xlazy
{
    struct library_import
    {
        std::string module;   // the module a library's statement imports: `scipy.sparse`
        std::string importer; // the module whose top level deferred it first: `sklearn.utils`
        int cell = 0;         // the cell that was running then
        bool ran = false;
        double run_ms = 0;    // its own execution, once it ran
        int ran_in_cell = 0;
    };

    class library_imports
    {
    public:
        // `current_cell` tells which cell is running, for the record.
        library_imports(const deferral_policy& policy, lazy_modules& modules, pybind11::dict user_ns,
                        std::function<int()> current_cell);
        ~library_imports();
        library_imports(const library_imports&) = delete;
        library_imports& operator=(const library_imports&) = delete;

        // `module`, pending, is being used: runs every deferred statement it is part of, in
        // the order they were deferred, so that `import a.b.c` runs whole as it would have.
        void first_used(const std::string& module);
        void executed(const std::string& module, double milliseconds);
        // `import_now()`, and once more if it failed to find a module after running what
        // libraries deferred (`ran_deferred_imports`).
        PyObject* found_after_deferred_imports_ran(const std::function<PyObject*()>& import_now);
        // For an import statement outside `try` and `with` that failed to find its module:
        // an earlier deferred import may be what makes it findable (a package putting its
        // vendored copies on sys.path as it runs), so every deferred import not run yet runs
        // now, as under an eager import it would have. False when there was nothing to run,
        // or it failed. Keeps the Python error set by the caller.
        bool ran_deferred_imports();

        const std::vector<library_import>& deferred() const { return m_deferred; }

    private:
        // The C function installed as `builtins.__import__`; self is a capsule of this.
        static PyObject* import_hook(PyObject* self, PyObject* const* arguments, Py_ssize_t count,
                                     PyObject* keyword_names);
        // A new reference to what the import statement binds, or nullptr with no error set
        // when Python's own import must run it now.
        PyObject* deferred_import(PyObject* name, PyObject* globals, PyObject* fromlist, int level);
        // What `import module` binds when even locating `module` runs code: a stand-in that
        // imports it on its first attribute read.
        pybind11::object located_on_first_use(const std::string& module, pybind11::dict importer_globals);
        enum class deferral_grounds
        {
            none,
            opted_in, // listed in the importer's __lazy_modules__
            all_mode,
        };
        // `modules`: what the statement imports (`a.b` for `from a import b`, whose
        // statement_module is `a`).
        deferral_grounds may_defer(const std::string& importer, const std::string& statement_module,
                                   const std::vector<std::string>& modules, int level, PyObject* globals) const;
        void record(const std::string& module, const std::string& importer);

        const deferral_policy& m_policy;
        lazy_modules& m_modules;
        pybind11::dict m_user_ns;
        std::function<int()> m_current_cell;
        pybind11::object m_original_import;
        pybind11::capsule m_self; // the hook's way back here; emptied when this object goes
        pybind11::object m_hook;
        std::vector<library_import> m_deferred;
    };
}
