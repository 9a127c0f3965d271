#include "deep_savings.hpp"

#include <set>
#include <sstream>

#include "pybind11/pybind11.h"

namespace py = pybind11;
using namespace pybind11::literals;

namespace xlazy
{
    savings measure_savings(const std::vector<std::string>& importers, const std::vector<std::string>& never_ran)
    {
        savings measured;
        if (never_ran.empty())
        {
            return measured;
        }
        py::list names;
        for (const auto& importer : importers)
        {
            names.append(importer);
        }
        // Failures in the child are its own business: what loaded up to them still counts.
        const std::string program = "import importlib\n"
                                    "for name in " + py::repr(names).cast<std::string>() + ":\n"
                                    "    try:\n"
                                    "        importlib.import_module(name)\n"
                                    "    except BaseException:\n"
                                    "        pass\n";
        py::module_ sys = py::module_::import("sys");
        py::module_ os = py::module_::import("os");
        py::dict environment = os.attr("environ").attr("copy")();
        environment["MPLBACKEND"] = "Agg"; // no window, whatever the kernel's backend
        py::object finished;
        try
        {
            finished = py::module_::import("subprocess")
                           .attr("run")(py::make_tuple(sys.attr("executable"), "-X", "importtime", "-c", program),
                                        "capture_output"_a = true, "text"_a = true, "timeout"_a = 300,
                                        "env"_a = environment, "stdin"_a = py::module_::import("subprocess").attr("DEVNULL"));
        }
        catch (py::error_already_set& error)
        {
            measured.error = py::str(error.value()).cast<std::string>();
            return measured;
        }
        py::dict loaded = sys.attr("modules");
        const std::set<std::string> deferred(never_ran.begin(), never_ran.end());
        std::istringstream lines(finished.attr("stderr").cast<std::string>());
        std::string line;
        const std::string prefix = "import time:";
        while (std::getline(lines, line))
        {
            if (line.rfind(prefix, 0) != 0)
            {
                continue;
            }
            // "import time: self [us] | cumulative | imported package", the name indented by depth.
            const std::size_t first_bar = line.find('|');
            const std::size_t second_bar = line.find('|', first_bar + 1);
            if (first_bar == std::string::npos || second_bar == std::string::npos)
            {
                continue;
            }
            std::string name = line.substr(second_bar + 1);
            name.erase(0, name.find_first_not_of(' '));
            double self_us = 0;
            double cumulative_us = 0;
            try
            {
                self_us = std::stod(line.substr(prefix.size(), first_bar - prefix.size()));
                cumulative_us = std::stod(line.substr(first_bar + 1, second_bar - first_bar - 1));
            }
            catch (const std::exception&)
            {
                continue; // the header line
            }
            if (loaded.contains(name))
            {
                continue;
            }
            measured.total_ms += self_us / 1000;
            if (deferred.count(name) > 0)
            {
                measured.module_ms[name] = cumulative_us / 1000;
            }
        }
        return measured;
    }
}
