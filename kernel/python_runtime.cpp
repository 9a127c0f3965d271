#include "python_runtime.hpp"

#include <stdexcept>
#include <string>

#include "xlazy_config.hpp"

namespace xlazy
{
    std::unique_ptr<pybind11::scoped_interpreter> start_python(int argc, const char* const* argv)
    {
        // The "Python" configuration (not the isolated one pybind11 uses by default)
        // reads PYTHON* variables exactly as /usr/bin/python3 does.
        PyConfig config;
        PyConfig_InitPythonConfig(&config);
        // Our own options (-f, --lazy-mode) are not Python's: keep them in sys.argv
        // untouched instead of letting CPython try to interpret them.
        config.parse_argv = 0;
        // Naming the real interpreter makes CPython derive prefix, sys.path and
        // sys.executable from it, which multiprocessing, joblib and subprocess rely on.
        PyStatus status =
            PyConfig_SetBytesString(&config, &config.program_name, XLAZY_PYTHON_EXECUTABLE);
        if (PyStatus_Exception(status))
        {
            PyConfig_Clear(&config);
            throw std::runtime_error(status.err_msg ? status.err_msg : "cannot set program name");
        }
        // pybind11 clears the config, including on failure.
        auto python = std::make_unique<pybind11::scoped_interpreter>(
            &config, argc, argv, /*add_program_dir_to_path=*/false);
        return python;
    }
}
