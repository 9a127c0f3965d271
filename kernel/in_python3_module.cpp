// The kernel as an extension module of /usr/bin/python3 (XLAZY_IN_PYTHON3): the interpreter
// is the profile-guided, link-time-optimised executable itself instead of a libpython linked
// into the xlazy program. The launcher script (xlazy.in) imports this module and calls
// main(); Python has started as for any script: PYTHON* variables, site, signal handlers,
// sys.executable, __main__ (IPython later installs the user's own). Owns the entry point only.
#include <string>
#include <variant>
#include <vector>

#include "pybind11/pybind11.h"
#include "pybind11/stl.h"

#include "kernel_process.hpp"

namespace py = pybind11;

PYBIND11_MODULE(xlazy_kernel, module)
{
    module.doc() = "The xlazy Jupyter kernel, run inside this Python: main() serves until shutdown.";
    module.def(
        "main",
        []
        {
            // sys.argv[0] is the launcher script, as the program's path is in the embedded kernel.
            auto args = py::module_::import("sys").attr("argv").cast<std::vector<std::string>>();
            auto options = xlazy::options_or_exit_status(std::vector<std::string>(args.begin() + 1, args.end()));
            if (const int* exit_status = std::get_if<int>(&options))
            {
                return *exit_status;
            }
            // The GIL is held, as main() holds it in the embedded kernel after start-up; the
            // interpreter releases it once configured, and the xeus threads take it as needed.
            return xlazy::serve(std::get<xlazy::launch_options>(options));
        },
        "Runs the kernel with the options in sys.argv; returns an exit status only if it cannot.");
}
