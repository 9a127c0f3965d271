// Fuzzes the `%lazy` argument splitter: no input may crash it or trip a sanitizer, and on
// every UTF-8 line it must agree with Python's shlex.split, which the magic used before
// the splitter was written in C++ (the kernel only ever passes it UTF-8).
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "lazy_arguments.hpp"
#include "python_for_fuzzing.hpp"

namespace py = pybind11;

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    xlazy::fuzzing::start_python();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string line(reinterpret_cast<const char*>(data), size);
    const xlazy::lazy_arguments ours = xlazy::split_lazy_arguments(line);
    std::optional<py::str> text = xlazy::fuzzing::as_python_text(data, size);
    if (!text)
    {
        return 0;
    }
    xlazy::lazy_arguments shlex;
    try
    {
        for (py::handle word : py::module_::import("shlex").attr("split")(*text))
        {
            shlex.words.push_back(word.cast<std::string>());
        }
    }
    catch (py::error_already_set& error)
    {
        if (!error.matches(PyExc_ValueError))
        {
            throw;
        }
        shlex.words.clear();
        shlex.problem = py::str(error.value());
    }
    if (ours.problem != shlex.problem || (ours.problem.empty() && ours.words != shlex.words))
    {
        std::fprintf(stderr, "split_lazy_arguments disagrees with shlex.split: '%s' vs '%s', %zu vs %zu words\n",
                     ours.problem.c_str(), shlex.problem.c_str(), ours.words.size(), shlex.words.size());
        std::abort();
    }
    return 0;
}
