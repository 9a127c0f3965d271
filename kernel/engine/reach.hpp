// Which global names a cell can read: directly, or through the functions, lambdas,
// classes, methods and instances of earlier cells that it uses, followed transitively.
// An over-approximation is safe (it only resolves an import sooner); a miss is covered by
// the placeholder's own resolution. Never imports or resolves anything.
#pragma once

#include <set>
#include <string>

#include "pybind11/pybind11.h"

namespace xlazy
{
    // Names loaded anywhere in a syntax tree (nested functions and lambdas included).
    std::set<std::string> names_read(pybind11::handle tree);

    class reach
    {
    public:
        // `names` plus every global name the objects they denote in `user_ns` can read.
        std::set<std::string> reachable(std::set<std::string> names, const pybind11::dict& user_ns);

    private:
        void add_code_names(pybind11::handle code, std::set<std::string>& found);
        void add_object_names(pybind11::handle value, std::set<std::string>& found);

        // Global names read by each code object, computed once: code objects never change.
        pybind11::dict m_code_names;
        // Objects already followed during one reachable() call (classes refer to themselves).
        std::set<const void*> m_followed;
    };
}
