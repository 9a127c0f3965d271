#include "cell_source.hpp"

#include <algorithm>
#include <map>

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

        // row (1-based) -> (start column of `lazy`, start column of the keyword after it)
        std::map<int, std::pair<int, int>> keywords;
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
            if (line_start && type == name_type && text == "lazy" && start[1].cast<int>() == 0 &&
                i + 1 < py::len(tokens))
            {
                py::tuple next = tokens[i + 1];
                py::tuple next_start = next[2];
                const std::string keyword = next[1].cast<std::string>();
                if (next[0].cast<int>() == name_type && (keyword == "import" || keyword == "from") &&
                    next_start[0].cast<int>() == start[0].cast<int>())
                {
                    keywords[start[0].cast<int>()] = {start[1].cast<int>(), next_start[1].cast<int>()};
                }
            }
            line_start = ends_logical_line(type);
        }
        std::vector<std::string> result = lines;
        for (const auto& [row, columns] : keywords)
        {
            // Rows count the lines of `source`, which are the lines given (each ends in a newline).
            if (row >= 1 && static_cast<std::size_t>(row) <= result.size())
            {
                std::string& line = result[static_cast<std::size_t>(row - 1)];
                line.erase(static_cast<std::size_t>(columns.first),
                           static_cast<std::size_t>(columns.second - columns.first));
            }
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
