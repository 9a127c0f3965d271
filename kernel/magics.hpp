// %lazy and %%eager: parse the user's words, ask the engine, show the answer as text for
// consoles and HTML for Notebook and Lab (and as data with --json). Owns wording and
// rendering only; every decision and every import stays in the engine.
#pragma once

#include <string>

#include "pybind11/pybind11.h"

#include "engine/engine.hpp"

namespace xlazy
{
    class lazy_magics
    {
    public:
        explicit lazy_magics(lazy_engine& engine) : m_engine(engine) {}

        // Registers %lazy and %%eager with an IPython shell.
        void register_with(pybind11::object shell);

        // The whole `%lazy` line after the magic's name. Returns the data of
        // `status --json`, None otherwise. Bad arguments raise IPython's UsageError.
        pybind11::object run(const std::string& line);

        static std::string usage();

    private:
        pybind11::object status(bool as_json);
        pybind11::object deep_status(bool as_json);
        void resolve(const std::vector<std::string>& names);
        void mode(const std::vector<std::string>& arguments);
        void exclude(const std::vector<std::string>& modules);
        void include(const std::vector<std::string>& modules);

        lazy_engine& m_engine;
        pybind11::object m_shell;
    };
}
