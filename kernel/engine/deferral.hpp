// Decides, for one import statement at the top level of a cell, which of its names can
// be deferred and which must be imported at once, and why. Owns the lazy mode and the
// exclusion list (defaults plus the user's changes). Never imports and never binds.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pybind11/pybind11.h"

#include "exclusions.hpp"
#include "lazy_mode.hpp"
#include "reach.hpp"

namespace xlazy
{
    // One name bound by an import statement.
    struct import_binding
    {
        std::string name;      // bound in the namespace: `np`, or `a` for `import a.b`
        std::string module;    // module the statement imports: `numpy`, `a.b`, `a` for `from a import b`
        std::string statement; // one-name statement producing it: `import numpy as np`
        bool from_import = false;
        std::optional<std::string> eager_reason;
    };

    struct import_plan
    {
        std::string statement; // as written (unparsed from the cell's syntax tree)
        int line = 0;
        std::vector<import_binding> bindings;
    };

    class deferral_policy
    {
    public:
        deferral_policy(lazy_mode mode, const std::vector<std::string>& user_exclusions);

        lazy_mode mode() const { return m_mode; }
        void set_mode(lazy_mode mode) { m_mode = mode; }
        bool deferring() const { return m_mode != lazy_mode::off; }

        void exclude(const std::string& module);
        // False when `module` was not excluded.
        bool include(const std::string& module);
        std::vector<exclusion> exclusions() const;
        std::optional<std::string> exclusion_reason(const std::string& module) const;

        // Reads an Import / ImportFrom node. `read_later` holds what the rest of the cell
        // reads; nullopt when the statement is never deferred (`from __future__`).
        std::optional<import_plan> plan(pybind11::handle statement, const names_in_code& read_later) const;

    private:
        lazy_mode m_mode;
        std::map<std::string, std::string> m_excluded; // module -> reason
    };
}
