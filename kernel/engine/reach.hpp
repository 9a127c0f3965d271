// Which global names a cell can read: directly, or through the functions, lambdas,
// classes, methods, instances, containers and wrappers of earlier cells that it uses,
// followed transitively. An over-approximation is safe (it only resolves an import sooner);
// a miss is covered by the pending object's own resolution. Never imports or resolves
// anything, and never runs user code: objects are inspected through their types.
#pragma once

#include <set>
#include <stdexcept>
#include <string>

#include "pybind11/pybind11.h"

namespace xlazy
{
    // Stands in the name sets for code that reads the whole namespace (globals(), eval,
    // %whos): every pending name must be real before it runs.
    inline const std::string every_name = "<every name>";
    // Stands for code that consults the state of a module without naming it (%precision
    // sets numpy's print options only when numpy is imported).
    std::string module_state_token(const std::string& module);
    // The module a token of module_state_token names; empty for anything else.
    std::string module_of_token(const std::string& token);

    struct names_in_code
    {
        std::set<std::string> evaluated; // read as the statements run (class bodies, decorators...)
        std::set<std::string> in_bodies; // read inside function and lambda bodies, when called
    };

    names_in_code names_read(pybind11::handle tree);

    class reach
    {
    public:
        // Thrown when following objects would cost more than a cell should wait for.
        struct incomplete : std::runtime_error
        {
            incomplete() : std::runtime_error("too many objects to follow") {}
        };

        // `names` plus every global name the objects they denote in `user_ns` can read.
        std::set<std::string> reachable(std::set<std::string> names, const pybind11::dict& user_ns);

    private:
        void add_code_names(pybind11::handle code, std::set<std::string>& found);
        void add_object_names(pybind11::handle value, std::set<std::string>& found);
        void add_function_names(pybind11::handle function, std::set<std::string>& found);
        void add_instance_names(pybind11::handle value, std::set<std::string>& found);
        void add_items(pybind11::handle container, std::set<std::string>& found);

        // Global names read by each code object, computed once: code objects never change.
        pybind11::dict m_code_names;
        // Objects already followed during one reachable() call (classes refer to themselves).
        std::set<const void*> m_followed;
        const PyObject* m_user_globals = nullptr;
    };
}
