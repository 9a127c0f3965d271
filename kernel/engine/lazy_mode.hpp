// How eagerly the kernel imports: the one switch every other part of the engine
// consults. Owns only the names of the modes and their parsing; never touches Python.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xlazy
{
    enum class lazy_mode
    {
        off,  // every import runs when its statement runs, as in any eager kernel
        cell, // top-level imports of a cell are deferred until a cell needs them
        all   // also a library's top-level imports of other packages, until something reads them
    };

    std::optional<lazy_mode> parse_lazy_mode(std::string_view text);
    std::string to_string(lazy_mode mode);

    // The text shown when a mode name is not recognised, listing the accepted ones.
    std::string lazy_mode_choices();
}
