// One embedded interpreter per fuzzer process, started in LLVMFuzzerInitialize (CPython
// cannot be restarted). Python allocates with malloc so that AddressSanitizer sees every
// object the code under test touches; CPython's own pools would hide overflows.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pybind11/embed.h"

namespace xlazy::fuzzing
{
    inline void start_python()
    {
        PyPreConfig preconfig;
        PyPreConfig_InitPythonConfig(&preconfig);
        preconfig.allocator = PYMEM_ALLOCATOR_MALLOC;
        Py_PreInitialize(&preconfig);
        pybind11::initialize_interpreter();
    }

    // The input as the kernel receives text: valid UTF-8 (a Python str), or nothing.
    inline std::optional<pybind11::str> as_python_text(const uint8_t* data, size_t size)
    {
        PyObject* text = PyUnicode_DecodeUTF8(reinterpret_cast<const char*>(data), static_cast<Py_ssize_t>(size),
                                              "strict");
        if (text == nullptr)
        {
            PyErr_Clear();
            return std::nullopt;
        }
        return pybind11::reinterpret_steal<pybind11::str>(text);
    }
}
