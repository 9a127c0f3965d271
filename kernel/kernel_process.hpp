// What the kernel process does around a running Python, whichever process Python runs in:
// the xlazy program, which embeds it (main.cpp), or /usr/bin/python3 itself, into which the
// kernel is loaded as an extension module (in_python3_module.cpp, XLAZY_IN_PYTHON3). Both
// read their options and serve through here, so the two differ only in how Python starts.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "launch_options.hpp"

namespace xlazy
{
    // Parses the command line (without the program name) and the XLAZY_* environment, and
    // checks the connection file. Prints the help, the version or the problem, and gives the
    // exit status, when no kernel is to start.
    std::variant<launch_options, int> options_or_exit_status(const std::vector<std::string>& args);

    // Runs the kernel on the Python already started in this process, on its main thread,
    // with the GIL held. Returns the exit status only when the kernel could not start or
    // failed: xeus ends the process itself after a shutdown_request.
    int serve(const launch_options& options);
}
