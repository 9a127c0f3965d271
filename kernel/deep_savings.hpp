// What `all` mode saved: the imports libraries deferred and never ran, measured rather
// than estimated. Their importers are imported eagerly in a fresh interpreter (the
// kernel's own, with -X importtime); every module that process loads and the kernel has
// not is time the kernel did not spend. Owns the measurement only; never imports
// anything into the kernel itself.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace xlazy
{
    struct savings
    {
        double total_ms = 0;                     // self time of every module avoided
        std::map<std::string, double> module_ms; // a deferred module with what it imports
        std::string error;                       // why nothing could be measured, if so
    };

    // `importers`: the modules whose deferred imports never ran; `never_ran`: those imports.
    savings measure_savings(const std::vector<std::string>& importers, const std::vector<std::string>& never_ran);
}
