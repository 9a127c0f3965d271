// The module objects bound by pending `import` statements. Each is a plain module created
// from the spec found at the import line and executed on first use, so the name holds a
// module from the start: its type, identity and repr are those an eager kernel shows. A
// meta path finder hands the same object to the import system whenever anything imports
// that module, so it runs once, from that spec and the code read at the import line, with
// the sys.path and warnings filters of the import's time. Owns the objects, the finder and their states; never decides whether
// an import is deferred and never touches the user namespace.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pybind11/pybind11.h"

namespace xlazy
{
    class lazy_modules
    {
    public:
        // `first_use(module)` runs when code reads an attribute a pending module does not
        // have yet; it must import the module (through the import system). `executed(module,
        // ms)` runs on the thread that executed it, right after it ran.
        using first_use_handler = std::function<void(const std::string& module)>;
        using executed_handler = std::function<void(const std::string& module, double milliseconds)>;

        lazy_modules(first_use_handler first_use, executed_handler executed);
        ~lazy_modules();
        lazy_modules(const lazy_modules&) = delete;
        lazy_modules& operator=(const lazy_modules&) = delete;

        // The pending module object for `name`, created from `spec` on the first call and the
        // same object afterwards. nullopt when Python cannot create the module without
        // running its loader (extension, built-in and frozen modules).
        std::optional<pybind11::object> pending_module(const std::string& name, pybind11::handle spec);

        // The spec a pending module was created from; null when `name` has none pending.
        pybind11::object spec_of(const std::string& name) const;

        // One module of a dotted name, as found at the import line.
        struct chain_link
        {
            std::string name;
            pybind11::object loaded; // the module, when already imported
            pybind11::object spec;   // otherwise, where it will be loaded from
        };
        // The cheap half of an import: each module of `dotted` found without running any
        // package code. nullopt when a module is missing, or only its package can find it.
        std::optional<std::vector<chain_link>> locate(const std::string& dotted) const;
        // The object of each link an import of the chain binds: loaded modules as they are,
        // the others pending, each carried as an attribute by a loaded parent (and by a
        // pending one too with `carry_in_pending_parents`), as the import system would set
        // it. nullopt when one of them cannot be created without running it.
        std::optional<std::vector<pybind11::object>> pending_chain(const std::vector<chain_link>& chain,
                                                                   bool carry_in_pending_parents);

    private:
        // A module that put another object in sys.modules as it ran (`sys.modules[__name__]
        // = Wrapper()`) is that object to every later import; names a library bound to the
        // module before it ran keep reaching it for what the module itself lacks.
        static void keep_reaching_replacement(pybind11::handle module, const std::string& name);
        enum class state
        {
            pending,
            executing,
            executed
        };
        struct record
        {
            pybind11::object module;
            pybind11::object spec;         // found at the import line
            pybind11::object code;         // read at the import line, when its loader reads code
            pybind11::object loader;       // hands this module to the import system
            pybind11::dict initial;        // the attributes module_from_spec gave it
            pybind11::list sys_path;       // at the import line
            pybind11::list warning_filters; // at the import line
            // __getattr__ and __dir__, made once and held here: the import runs from inside
            // __getattr__, which must outlive its removal from the module.
            pybind11::dict hooks;
            state current = state::pending;
            std::thread::id executing_thread;
        };

        pybind11::object find_spec(const std::string& name);
        pybind11::object create_module(pybind11::handle spec);
        void exec_module(pybind11::handle module);
        void make_hooks(record& pending, const std::string& name);
        // The C function installed as a pending module's `__getattr__`; self is a tuple of a
        // capsule of this and the module's name.
        static PyObject* getattr_hook(PyObject* self, PyObject* attribute);
        // Whether reading `attribute` of the pending module `name` is a use that runs it, as
        // opposed to a probe (by the import system, a display, the module itself as it runs).
        bool is_use(const std::string& name, const std::string& attribute) const;
        pybind11::object attribute_on_first_use(const std::string& name, const std::string& attribute);

        first_use_handler m_first_use;
        executed_handler m_executed;
        std::map<std::string, record> m_records;
        pybind11::object m_finder;
        pybind11::capsule m_self; // the hooks' way back here; emptied when this object goes
        pybind11::dict m_loader_methods; // create_module and exec_module, shared by every loader
    };
}
