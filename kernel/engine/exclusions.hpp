// Modules that are always imported eagerly, because importing them does something a
// later cell relies on without ever naming the module (registering accessors, ops,
// projections, codecs; printing; patching other modules). Owns the default list and the
// user's additions and removals; never imports anything itself.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xlazy
{
    struct exclusion
    {
        std::string module; // a module name; it also covers its submodules
        std::string reason; // one line, shown by `%lazy exclude` and `%lazy status`
    };

    // The list shipped with xlazy, each entry backed by a behaviour observed here.
    const std::vector<exclusion>& default_exclusions();
}
