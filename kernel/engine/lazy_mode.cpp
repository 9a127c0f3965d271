#include "lazy_mode.hpp"

#include <array>
#include <utility>

namespace xlazy
{
    namespace
    {
        constexpr std::array<std::pair<std::string_view, lazy_mode>, 3> mode_names{{
            {"off", lazy_mode::off},
            {"cell", lazy_mode::cell},
            {"all", lazy_mode::all},
        }};
    }

    std::optional<lazy_mode> parse_lazy_mode(std::string_view text)
    {
        for (const auto& [name, mode] : mode_names)
        {
            if (name == text)
            {
                return mode;
            }
        }
        return std::nullopt;
    }

    std::string to_string(lazy_mode mode)
    {
        for (const auto& [name, candidate] : mode_names)
        {
            if (candidate == mode)
            {
                return std::string(name);
            }
        }
        return "unknown";
    }

    std::string lazy_mode_choices()
    {
        std::string choices;
        for (const auto& entry : mode_names)
        {
            if (!choices.empty())
            {
                choices += "|";
            }
            choices += entry.first;
        }
        return choices;
    }
}
