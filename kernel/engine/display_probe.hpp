// The attributes IPython asks of any value it is about to display. A pending import shown
// as a cell's result must not be imported just to be shown, so these never count as use.
#pragma once

#include <string_view>

namespace xlazy
{
    inline bool is_display_probe(std::string_view name)
    {
        const bool rich_repr = name.size() > 7 && name.substr(0, 6) == "_repr_" && name.back() == '_';
        return rich_repr || name == "_ipython_display_" || name == "_ipython_canary_method_should_not_exist_";
    }
}
