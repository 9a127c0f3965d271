// Command line and environment of the xlazy program. Owns parsing and validation only:
// it never starts Python or opens a socket, so every mistake is reported before either.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "engine/lazy_mode.hpp"

namespace xlazy
{
    struct launch_options
    {
        std::string connection_file;
        lazy_mode mode = lazy_mode::all;
        std::vector<std::string> exclusions; // modules always imported eagerly, from XLAZY_EXCLUDE
    };

    // What main should do instead of starting a kernel.
    struct print_and_exit
    {
        std::string text;
        int exit_code;
    };

    using launch_decision = std::variant<launch_options, print_and_exit>;

    // `lazy_mode_env` and `exclude_env` are the values of XLAZY_MODE and XLAZY_EXCLUDE
    // (comma-separated modules), or null when unset; the command line wins over XLAZY_MODE.
    launch_decision parse_launch_options(const std::vector<std::string>& args,
                                         const char* lazy_mode_env, const char* exclude_env);

    // Reads the connection file and checks the fields xeus needs, so that a bad file
    // gives one clear sentence instead of an exception from deep inside xeus.
    // Returns an empty string when the file is usable, else the message to print.
    std::string check_connection_file(const std::string& path);

    std::string usage_text();
}
