// The object bound to a name while its from-import is pending (an `import` binds a pending
// module instead, see lazy_module). Any real use of it (attribute,
// call, operator, iteration, item access, isinstance against it, subclassing it) resolves
// the import through the registry, rebinds the real object in the user namespace and
// forwards the operation, so code that slipped past the cell analysis still sees the real
// module. Its repr says what it stands for without resolving, and IPython's display
// probes do not count as use. Owns no import state: it only holds registry ids.
#pragma once

#include <string>
#include <vector>

#include "pybind11/pybind11.h"

namespace xlazy
{
    class registry;

    pybind11::object make_placeholder(registry& owner, int id);
    bool is_placeholder(pybind11::handle object);

    std::vector<int> placeholder_ids(pybind11::handle placeholder);

    // Resolves as a use would, attributed to `trigger`; returns the real object.
    pybind11::object resolve_placeholder(pybind11::handle placeholder, const std::string& trigger);
}
