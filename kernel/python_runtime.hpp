// Starts the embedded CPython so that it is indistinguishable from /usr/bin/python3:
// same executable, prefix, sys.path and environment handling (PYTHONHASHSEED, PYTHONPATH,
// PYTHONWARNINGS, ...). Owns interpreter start-up only; knows nothing of Jupyter.
#pragma once

#include <memory>

#include "pybind11/embed.h"

namespace xlazy
{
    // Throws std::runtime_error with CPython's own message when start-up fails.
    std::unique_ptr<pybind11::scoped_interpreter> start_python(int argc, const char* const* argv);
}
