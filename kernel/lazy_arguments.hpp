// The words of a `%lazy` line. Pure text handling, no Python, so that it can be fuzzed and
// tested on its own; what the words mean is the magic's business (magics.cpp).
#pragma once

#include <string>
#include <vector>

namespace xlazy
{
    struct lazy_arguments
    {
        std::vector<std::string> words;
        // Why the line could not be split, in shlex's words (then there are no words);
        // empty when it could.
        std::string problem;
    };

    // Splits as Python's `shlex.split(line)` does (POSIX rules, no comments), which is what
    // the magic used before, byte for byte: blanks are space, tab, CR and LF; single quotes
    // keep everything; in double quotes a backslash escapes only `"` and `\`; outside
    // quotes it escapes any character; `''` is an empty word.
    lazy_arguments split_lazy_arguments(const std::string& line);
}
