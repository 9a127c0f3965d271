// Fuzzes the engine's reading of a cell before IPython parses it (`lazy import` and
// `%%eager`). Cells are split the way IPython hands them to its cleanup transforms
// (`str.splitlines(keepends=True)` after a final newline is added). Beyond crashes and
// sanitizer reports, every result must be what the header promises:
// - without_lazy_keyword keeps the line count, and changes the cell only by taking off
//   `lazy` and the blanks after it where a line starts with them and `import` or `from`;
// - eager_cell_lines answers only for a first line `%%eager`, and keeps the rest of the cell.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "engine/cell_source.hpp"
#include "pybind11/stl.h"
#include "python_for_fuzzing.hpp"

namespace py = pybind11;
using lines = std::vector<std::string>;

namespace
{
    [[noreturn]] void broken_promise(const char* what, std::size_t where)
    {
        std::fprintf(stderr, "cell_source: %s %zu\n", what, where);
        std::abort();
    }

    bool starts_with(const std::string& text, std::size_t at, const char* prefix)
    {
        return text.compare(at, std::char_traits<char>::length(prefix), prefix) == 0;
    }

    // Where `lazy` and the blanks after it start at `at` in `cell`, followed by `import` or
    // `from`, at the start of a line as Python's tokenizer counts them: their length, or 0.
    std::size_t lazy_keyword_at(const std::string& cell, std::size_t at)
    {
        if ((at > 0 && cell[at - 1] != '\n') || !starts_with(cell, at, "lazy"))
        {
            return 0;
        }
        const std::size_t keyword = cell.find_first_not_of(" \t\f", at + 4);
        if (keyword == at + 4 || keyword == std::string::npos ||
            !(starts_with(cell, keyword, "import") || starts_with(cell, keyword, "from")))
        {
            return 0;
        }
        return keyword - at;
    }

    std::string joined(const lines& cell)
    {
        std::string text;
        for (const auto& line : cell)
        {
            text += line;
        }
        return text;
    }

    void check_lazy_keyword(const lines& cell)
    {
        const lines rewritten = xlazy::without_lazy_keyword(cell);
        if (rewritten.size() != cell.size())
        {
            broken_promise("without_lazy_keyword changed the number of lines to", rewritten.size());
        }
        const std::string before = joined(cell);
        const std::string after = joined(rewritten);
        std::size_t i = 0;
        for (std::size_t j = 0; j < after.size(); ++i, ++j)
        {
            if (i < before.size() && before[i] != after[j])
            {
                i += lazy_keyword_at(before, i);
            }
            if (i >= before.size() || before[i] != after[j])
            {
                broken_promise("without_lazy_keyword changed more than lazy keywords at byte", j);
            }
        }
        if (i != before.size())
        {
            broken_promise("without_lazy_keyword dropped the end of the cell at byte", i);
        }
    }

    void check_eager_cell(const lines& cell)
    {
        const std::optional<lines> body = xlazy::eager_cell_lines(cell);
        if (!body)
        {
            return;
        }
        if (cell.front().rfind("%%eager", 0) != 0)
        {
            broken_promise("eager_cell_lines answered for a cell whose first line is not %%eager, of lines:", cell.size());
        }
        const lines rest(cell.begin() + 1, cell.end());
        const bool blank_first = body->size() == cell.size() && body->front() == "\n";
        const lines kept(body->begin() + (blank_first ? 1 : 0), body->end());
        if (kept != rest)
        {
            broken_promise("eager_cell_lines did not keep the rest of the cell, of lines:", cell.size());
        }
    }
}

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    xlazy::fuzzing::start_python();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::optional<py::str> text = xlazy::fuzzing::as_python_text(data, size);
    if (!text)
    {
        return 0;
    }
    py::str cell = *text;
    if (!cell.attr("endswith")("\n").cast<bool>())
    {
        cell = py::str(cell + py::str("\n"));
    }
    const lines split = cell.attr("splitlines")(true).cast<lines>();
    check_lazy_keyword(split);
    check_eager_cell(split);
    return 0;
}
