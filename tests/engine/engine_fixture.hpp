// Runs cells the way IPython does (parse, the engine's rewrite, exec in the user namespace)
// against modules written for the test, each of which records that it ran.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "pybind11/embed.h"
#include "pybind11/eval.h"

#include "engine/engine.hpp"

class engine_test : public testing::Test
{
protected:
    void SetUp() override;
    void TearDown() override;

    // Writes `package_dir/<relative path>` with `source`; a module that should record its
    // execution calls `ran(__name__)`.
    void write_module(const std::string& relative_path, const std::string& source);

    // Runs one cell (as `%%eager` would with `eager`); returns the exception's type name,
    // or "" when it succeeded.
    std::string run_cell(const std::string& code, bool eager = false);

    // The Python value of `expression` in the user namespace, as repr.
    std::string value(const std::string& expression);

    bool module_ran(const std::string& name);
    // The latest import recorded for `name`.
    const xlazy::deferred_import& entry_named(const std::string& name);

    std::string package_dir;
    pybind11::dict user_ns;
    std::unique_ptr<xlazy::lazy_engine> engine;
    int cell = 0;
    std::string last_error_notes;
    std::string last_error_message;
};
