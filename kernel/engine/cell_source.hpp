// What the engine reads in a cell's source before IPython parses it: the `%%eager` first
// line and PEP 810's `lazy import` spelling, which Python 3.11 cannot parse. Works on
// lines as IPython's input transformers pass them; recognises the soft keyword through
// Python's tokenizer, so text in strings and in other cell magics' bodies is never changed.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace xlazy
{
    // `lazy import a` / `lazy from a import b` at the top level become plain imports (which
    // the engine defers like any other); every other line is returned unchanged.
    std::vector<std::string> without_lazy_keyword(const std::vector<std::string>& lines);

    // For a cell whose first line is `%%eager`: the lines to run instead. The magic's line
    // becomes blank so that errors keep their line numbers, or goes when another cell
    // magic follows (IPython only sees a cell magic on the first line). nullopt otherwise.
    std::optional<std::vector<std::string>> eager_cell_lines(const std::vector<std::string>& lines);
}
