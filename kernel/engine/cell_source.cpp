#include "cell_source.hpp"

#include <algorithm>
#include <utility>

#include "pybind11/pybind11.h"

namespace py = pybind11;

namespace xlazy
{
    namespace
    {
        std::string without_line_end(const std::string& line)
        {
            std::size_t end = line.size();
            while (end > 0 && (line[end - 1] == '\n' || line[end - 1] == '\r'))
            {
                --end;
            }
            return line.substr(0, end);
        }

        bool starts_cell_magic(const std::string& line)
        {
            return line.rfind("%%", 0) == 0;
        }
    }

    std::vector<std::string> without_lazy_keyword(const std::vector<std::string>& lines)
    {
        if (lines.empty() || starts_cell_magic(lines.front()))
        {
            return lines; // the body belongs to the magic, which transforms it if it is code
        }
        std::string source;
        for (const auto& line : lines)
        {
            source += line;
        }
        if (source.find("lazy") == std::string::npos)
        {
            return lines;
        }
        py::module_ tokenize = py::module_::import("tokenize");
        const int name_type = tokenize.attr("NAME").cast<int>();
        const std::vector<int> line_ends{tokenize.attr("NEWLINE").cast<int>(), tokenize.attr("NL").cast<int>(),
                                         tokenize.attr("COMMENT").cast<int>(), tokenize.attr("INDENT").cast<int>(),
                                         tokenize.attr("DEDENT").cast<int>(),
                                         tokenize.attr("ENCODING").cast<int>()};
        auto ends_logical_line = [&](int type)
        { return std::find(line_ends.begin(), line_ends.end(), type) != line_ends.end(); };

        // tokenize numbers rows by the '\n's of `source` (the readline it is given), which
        // are not always the lines given: IPython also splits a cell at '\r', '\f', '\x1c',
        // '\u2028' and the like, which may sit in a string or a comment.
        std::vector<std::size_t> row_starts{0};
        for (std::size_t at = source.find('\n'); at != std::string::npos; at = source.find('\n', at + 1))
        {
            row_starts.push_back(at + 1);
        }
        // Byte ranges of `source` to take off: `lazy` and the blanks before its keyword.
        // Those are ASCII, so the tokenizer's columns (characters) are bytes here.
        std::vector<std::pair<std::size_t, std::size_t>> cuts;
        py::list tokens;
        try
        {
            py::object readline = py::module_::import("io").attr("StringIO")(source).attr("readline");
            for (py::handle token : tokenize.attr("generate_tokens")(readline))
            {
                tokens.append(token);
            }
        }
        catch (py::error_already_set&)
        {
            // Unbalanced brackets or an unterminated string: what tokenized so far still counts.
        }
        bool line_start = true;
        for (std::size_t i = 0; i < py::len(tokens); ++i)
        {
            py::tuple token = tokens[i];
            const int type = token[0].cast<int>();
            const std::string text = token[1].cast<std::string>();
            py::tuple start = token[2];
            const int row = start[0].cast<int>();
            if (line_start && type == name_type && text == "lazy" && start[1].cast<int>() == 0 &&
                i + 1 < py::len(tokens) && row >= 1 && static_cast<std::size_t>(row) <= row_starts.size())
            {
                py::tuple next = tokens[i + 1];
                py::tuple next_start = next[2];
                const std::string keyword = next[1].cast<std::string>();
                if (next[0].cast<int>() == name_type && (keyword == "import" || keyword == "from") &&
                    next_start[0].cast<int>() == row)
                {
                    const std::size_t begin = row_starts[static_cast<std::size_t>(row - 1)];
                    cuts.emplace_back(begin, begin + next_start[1].cast<std::size_t>());
                }
            }
            line_start = ends_logical_line(type);
        }
        // Each line keeps what no cut covers; a cut may run over a line break ('\f' is both
        // a blank to the tokenizer and a line end to IPython).
        std::vector<std::string> result;
        std::size_t line_begin = 0;
        auto cut = cuts.begin();
        for (const auto& line : lines)
        {
            const std::size_t line_end = line_begin + line.size();
            std::string kept;
            std::size_t at = line_begin;
            while (cut != cuts.end() && cut->first < line_end)
            {
                kept.append(source, at, std::max(cut->first, at) - at);
                at = std::min(cut->second, line_end);
                if (cut->second > line_end)
                {
                    break;
                }
                ++cut;
            }
            kept.append(source, at, line_end - at);
            result.push_back(std::move(kept));
            line_begin = line_end;
        }
        return result;
    }

    std::optional<std::vector<std::string>> eager_cell_lines(const std::vector<std::string>& lines)
    {
        if (lines.empty())
        {
            return std::nullopt;
        }
        const std::string first = without_line_end(lines.front());
        const std::size_t end = first.find_last_not_of(" \t");
        if (end == std::string::npos || first.substr(0, end + 1) != "%%eager")
        {
            return std::nullopt;
        }
        std::vector<std::string> body(lines.begin() + 1, lines.end());
        if (!body.empty() && starts_cell_magic(body.front()))
        {
            return body;
        }
        body.insert(body.begin(), "\n");
        return body;
    }
}
