#include "magics.hpp"

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <sstream>

#include "deep_savings.hpp"
#include "engine/placeholder.hpp"
#include "lazy_arguments.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace xlazy
{
    std::string lazy_magics::usage()
    {
        return "Usage:\n"
               "  %lazy status [--json]       what is deferred, resolved, eager, and why\n"
               "  %lazy status --deep [--json]\n"
               "                              imports inside libraries deferred (all mode,\n"
               "                              __lazy_modules__): which ran, and what never\n"
               "                              running saved, measured in a fresh interpreter\n"
               "  %lazy resolve NAME [NAME...] import pending names now\n"
               "  %lazy resolve --all         import everything still pending\n"
               "  %lazy mode [off|cell|all]   show or change the lazy mode for later cells\n"
               "  %lazy exclude [MODULE...]   always import MODULE eagerly; alone, list exclusions\n"
               "  %lazy include MODULE...     let MODULE be deferred again\n"
               "  %%eager                     (first line of a cell) run that cell's imports eagerly\n";
    }

    namespace
    {
        [[noreturn]] void usage_error(const std::string& message)
        {
            py::object error = py::module_::import("IPython.core.error").attr("UsageError");
            PyErr_SetString(error.ptr(), (message + "\n\n" + lazy_magics::usage()).c_str());
            throw py::error_already_set();
        }

        void show(const std::string& text, const std::string& html)
        {
            py::dict bundle("text/plain"_a = text);
            if (!html.empty())
            {
                bundle["text/html"] = html;
            }
            py::module_::import("IPython.display").attr("display")(bundle, "raw"_a = true);
        }

        std::string format_time(std::chrono::system_clock::time_point when, const char* format, bool utc)
        {
            const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
            std::tm parts{};
            utc ? gmtime_r(&seconds, &parts) : localtime_r(&seconds, &parts);
            std::ostringstream text;
            text << std::put_time(&parts, format);
            return text.str();
        }

        // For people reading the table: the kernel's local time of day.
        std::string clock_time(std::chrono::system_clock::time_point when)
        {
            return format_time(when, "%H:%M:%S", false);
        }

        // For programs reading --json.
        std::string iso_time(std::chrono::system_clock::time_point when)
        {
            return format_time(when, "%Y-%m-%dT%H:%M:%SZ", true);
        }

        std::string html_escape(const std::string& text)
        {
            std::string escaped;
            for (char c : text)
            {
                switch (c)
                {
                case '<': escaped += "&lt;"; break;
                case '>': escaped += "&gt;"; break;
                case '&': escaped += "&amp;"; break;
                case '"': escaped += "&quot;"; break;
                default: escaped += c;
                }
            }
            return escaped;
        }

        std::string state_text(const deferred_import& entry)
        {
            std::string text = to_string(entry.state);
            return entry.reason.empty() ? text : text + " (" + entry.reason + ")";
        }

        std::string milliseconds(double value)
        {
            std::ostringstream text;
            text << std::fixed << std::setprecision(value < 10 ? 1 : 0) << value;
            return text.str();
        }

        std::string loaded_summary(const deferred_import& entry)
        {
            if (entry.state != import_state::resolved)
            {
                return "";
            }
            const std::size_t count = entry.modules_loaded.size();
            std::string text = std::to_string(count) + (count == 1 ? " module" : " modules");
            if (count > 0)
            {
                text += " (" + entry.modules_loaded.front() + (count > 1 ? ", ..." : "") + ")";
            }
            return text;
        }

        const std::vector<std::string> status_headers = {"statement", "name", "module", "state", "declared",
                                                          "resolved by", "ms", "loaded"};

        std::vector<std::string> row_for(const deferred_import& entry)
        {
            const bool resolved = entry.state == import_state::resolved;
            return {entry.statement,
                    entry.name,
                    entry.module,
                    state_text(entry),
                    "cell [" + std::to_string(entry.cell) + "] line " + std::to_string(entry.line),
                    resolved ? entry.resolved_by + " at " + clock_time(entry.resolved_at) : "",
                    resolved ? milliseconds(entry.resolve_ms) : "",
                    loaded_summary(entry)};
        }

        std::string summary(const std::vector<const deferred_import*>& entries, lazy_mode mode)
        {
            int counts[5] = {0, 0, 0, 0, 0};
            double resolved_ms = 0;
            for (const auto* entry : entries)
            {
                counts[static_cast<int>(entry->state)]++;
                if (entry->state == import_state::resolved)
                {
                    resolved_ms += entry->resolve_ms;
                }
            }
            std::ostringstream text;
            text << counts[0] << " pending, " << counts[1] << " resolved (" << milliseconds(resolved_ms)
                 << " ms), " << counts[4] << " eager, " << counts[2] << " failed, " << counts[3]
                 << " dropped; lazy mode: " << to_string(mode);
            return text.str();
        }

        using table_rows = std::vector<std::vector<std::string>>;

        std::string as_text(const std::vector<std::string>& headers, const table_rows& rows, const std::string& footer)
        {
            table_rows table{headers};
            table.insert(table.end(), rows.begin(), rows.end());
            std::vector<std::size_t> widths(headers.size(), 0);
            for (const auto& line : table)
            {
                for (std::size_t i = 0; i < line.size(); ++i)
                {
                    widths[i] = std::max(widths[i], line[i].size());
                }
            }
            std::ostringstream text;
            for (const auto& line : table)
            {
                for (std::size_t i = 0; i < line.size(); ++i)
                {
                    text << std::left << std::setw(static_cast<int>(widths[i]) + 2) << line[i];
                }
                text.seekp(-2, std::ios_base::cur);
                text << "\n";
            }
            text << footer;
            return text.str();
        }

        std::string as_html(const std::vector<std::string>& headers, const table_rows& rows, const std::string& footer)
        {
            std::ostringstream html;
            html << "<table class=\"xlazy-status\"><thead><tr>";
            for (const auto& header : headers)
            {
                html << "<th>" << html_escape(header) << "</th>";
            }
            html << "</tr></thead><tbody>";
            for (const auto& row : rows)
            {
                html << "<tr>";
                for (const auto& cell : row)
                {
                    html << "<td>" << html_escape(cell) << "</td>";
                }
                html << "</tr>";
            }
            html << "</tbody></table><p>" << html_escape(footer) << "</p>";
            return html.str();
        }

        py::dict as_data(const deferred_import& entry)
        {
            const bool resolved = entry.state == import_state::resolved;
            py::list loaded;
            for (const auto& module : entry.modules_loaded)
            {
                loaded.append(module);
            }
            return py::dict("statement"_a = entry.statement, "name"_a = entry.name, "module"_a = entry.module,
                            "state"_a = to_string(entry.state), "reason"_a = entry.reason, "cell"_a = entry.cell,
                            "line"_a = entry.line, "declared_at"_a = iso_time(entry.declared_at),
                            "resolved_by"_a = resolved ? py::object(py::str(entry.resolved_by)) : py::none(),
                            "resolved_at"_a = resolved ? py::object(py::str(iso_time(entry.resolved_at))) : py::none(),
                            "resolve_ms"_a = resolved ? py::object(py::float_(entry.resolve_ms)) : py::none(),
                            "modules_loaded"_a = loaded);
        }

        // A name is checked before it reaches the engine: `x;y`, `*`, `a..b` or a NUL would
        // otherwise be recorded as an exclusion no import can ever match.
        void require_dotted_names(const std::vector<std::string>& names, const std::string& what)
        {
            py::object is_keyword = py::module_::import("keyword").attr("iskeyword");
            for (const auto& name : names)
            {
                bool valid = !name.empty();
                for (py::handle part : py::str(py::bytes(name).attr("decode")("utf-8", "replace")).attr("split")("."))
                {
                    valid = valid && part.attr("isidentifier")().cast<bool>() && !is_keyword(part).cast<bool>();
                }
                if (!valid)
                {
                    py::object shown = py::repr(py::bytes(name).attr("decode")("utf-8", "backslashreplace"));
                    usage_error(shown.cast<std::string>() + " is not a " + what +
                                ": use Python names separated by dots, like numpy or scipy.stats");
                }
            }
        }

    }

    py::object lazy_magics::status(bool as_json)
    {
        const auto entries = m_engine.imports().listed();
        if (as_json)
        {
            py::list records;
            for (const auto* entry : entries)
            {
                records.append(as_data(*entry));
            }
            return py::dict("mode"_a = to_string(m_engine.policy().mode()), "imports"_a = records);
        }
        table_rows rows;
        for (const auto* entry : entries)
        {
            rows.push_back(row_for(*entry));
        }
        const std::string footer = summary(entries, m_engine.policy().mode());
        if (rows.empty())
        {
            show("No imports recorded yet.\n" + footer, "");
        }
        else
        {
            show(as_text(status_headers, rows, footer), as_html(status_headers, rows, footer));
        }
        return py::none();
    }

    py::object lazy_magics::deep_status(bool as_json)
    {
        // Costliest first: what ran by its own time, then what never ran by what it saved.
        std::vector<library_import> deferred = m_engine.library().deferred();
        std::vector<std::string> importers;
        std::vector<std::string> never_ran;
        for (const auto& entry : deferred)
        {
            if (!entry.ran)
            {
                never_ran.push_back(entry.module);
                if (std::find(importers.begin(), importers.end(), entry.importer) == importers.end())
                {
                    importers.push_back(entry.importer);
                }
            }
        }
        const savings saved = measure_savings(importers, never_ran);
        auto saved_ms = [&saved](const library_import& entry)
        {
            auto found = saved.module_ms.find(entry.module);
            return found == saved.module_ms.end() ? 0.0 : found->second;
        };
        std::stable_sort(deferred.begin(), deferred.end(),
                         [&](const library_import& left, const library_import& right)
                         {
                             if (left.ran != right.ran)
                             {
                                 return left.ran;
                             }
                             return left.ran ? left.run_ms > right.run_ms : saved_ms(left) > saved_ms(right);
                         });
        double ran_ms = 0;
        for (const auto& entry : deferred)
        {
            ran_ms += entry.ran ? entry.run_ms : 0;
        }
        std::ostringstream footer;
        footer << deferred.size() << " imports inside libraries deferred: " << deferred.size() - never_ran.size()
               << " ran (" << milliseconds(ran_ms) << " ms), " << never_ran.size() << " never ran";
        if (saved.error.empty())
        {
            footer << " (saving " << milliseconds(saved.total_ms)
                   << " ms, measured by importing their importers eagerly in a fresh interpreter)";
        }
        else
        {
            footer << " (the saving could not be measured: " << saved.error << ")";
        }
        footer << "; lazy mode: " << to_string(m_engine.policy().mode());

        if (as_json)
        {
            py::list records;
            for (const auto& entry : deferred)
            {
                records.append(py::dict("module"_a = entry.module, "imported_by"_a = entry.importer,
                                        "cell"_a = entry.cell, "ran"_a = entry.ran,
                                        "ran_in_cell"_a = entry.ran ? py::object(py::int_(entry.ran_in_cell)) : py::none(),
                                        "run_ms"_a = entry.ran ? py::object(py::float_(entry.run_ms)) : py::none(),
                                        "saved_ms"_a = entry.ran ? py::object(py::none()) : py::object(py::float_(saved_ms(entry)))));
            }
            return py::dict("mode"_a = to_string(m_engine.policy().mode()), "library_imports"_a = records,
                            "saved_ms"_a = saved.error.empty() ? py::object(py::float_(saved.total_ms)) : py::none());
        }
        const std::vector<std::string> headers = {"module", "imported by", "during", "state", "ms"};
        table_rows rows;
        for (const auto& entry : deferred)
        {
            rows.push_back({entry.module, entry.importer, "cell [" + std::to_string(entry.cell) + "]",
                            entry.ran ? "ran in cell [" + std::to_string(entry.ran_in_cell) + "]" : "never ran",
                            milliseconds(entry.ran ? entry.run_ms : saved_ms(entry)) + (entry.ran ? "" : " saved")});
        }
        if (rows.empty())
        {
            show("No import inside a library was deferred.\n" + footer.str(), "");
        }
        else
        {
            show(as_text(headers, rows, footer.str()), as_html(headers, rows, footer.str()));
        }
        return py::none();
    }

    void lazy_magics::resolve(const std::vector<std::string>& names)
    {
        if (names.empty())
        {
            usage_error("%lazy resolve needs names, or --all");
        }
        if (names.size() == 1 && names[0] == "--all")
        {
            m_engine.resolve_all("%lazy resolve");
            return;
        }
        require_dotted_names(names, "name");
        const auto not_pending = m_engine.resolve_names(names, "%lazy resolve");
        for (const auto& name : not_pending)
        {
            py::print("xlazy: '" + name + "' is not a pending import; nothing to resolve.");
        }
    }

    void lazy_magics::mode(const std::vector<std::string>& arguments)
    {
        if (arguments.size() > 1)
        {
            usage_error("%lazy mode takes one of " + lazy_mode_choices());
        }
        if (arguments.size() == 1)
        {
            auto mode = parse_lazy_mode(arguments[0]);
            if (!mode)
            {
                usage_error("unknown lazy mode '" + arguments[0] + "'; choose one of " + lazy_mode_choices());
            }
            m_engine.policy().set_mode(*mode);
        }
        py::print("lazy mode: " + to_string(m_engine.policy().mode()));
    }

    void lazy_magics::exclude(const std::vector<std::string>& modules)
    {
        require_dotted_names(modules, "module name");
        for (const auto& module : modules)
        {
            m_engine.policy().exclude(module);
            // From now on it is as if it had been eager from the start; %lazy status says so.
            m_engine.resolve_module(module, "%lazy exclude");
        }
        if (!modules.empty())
        {
            return;
        }
        std::ostringstream text;
        text << "Always imported eagerly (a module covers its submodules):\n";
        for (const auto& entry : m_engine.policy().exclusions())
        {
            text << "  " << entry.module << ": " << entry.reason << "\n";
        }
        py::print(text.str(), "end"_a = "");
    }

    void lazy_magics::include(const std::vector<std::string>& modules)
    {
        if (modules.empty())
        {
            usage_error("%lazy include needs module names");
        }
        require_dotted_names(modules, "module name");
        for (const auto& module : modules)
        {
            if (!m_engine.policy().include(module))
            {
                py::print("xlazy: '" + module + "' was not excluded.");
            }
        }
    }

    py::object lazy_magics::run(const std::string& line)
    {
        const lazy_arguments arguments = split_lazy_arguments(line);
        if (!arguments.problem.empty())
        {
            usage_error("cannot read the arguments: " + arguments.problem);
        }
        const std::vector<std::string>& words = arguments.words;
        if (words.empty() || words[0] == "-h" || words[0] == "--help" || words[0] == "help")
        {
            py::print(usage(), "end"_a = "");
            return py::none();
        }
        const std::string command = words[0];
        const std::vector<std::string> rest(words.begin() + 1, words.end());
        if (command == "status")
        {
            const bool as_json = std::count(rest.begin(), rest.end(), "--json") > 0;
            const bool deep = std::count(rest.begin(), rest.end(), "--deep") > 0;
            if (rest.size() != static_cast<std::size_t>(as_json) + static_cast<std::size_t>(deep))
            {
                usage_error("%lazy status takes only --deep and --json");
            }
            return deep ? deep_status(as_json) : status(as_json);
        }
        if (command == "resolve")
        {
            resolve(rest);
        }
        else if (command == "mode")
        {
            mode(rest);
        }
        else if (command == "exclude")
        {
            exclude(rest);
        }
        else if (command == "include")
        {
            include(rest);
        }
        else
        {
            usage_error("unknown %lazy command '" + command + "'");
        }
        return py::none();
    }

    void lazy_magics::register_with(py::object shell)
    {
        m_shell = shell;
        py::object lazy = py::cpp_function([this](const std::string& line) { return run(line); }, py::name("lazy"),
                                           py::doc(usage().c_str()));
        // Arguments are taken literally: IPython would otherwise evaluate `{expr}` and `$name`
        // in them (in quadratic time). The flag is an attribute, which a C++ function cannot
        // carry; a partial can.
        lazy = py::module_::import("functools").attr("partial")(lazy);
        lazy.attr("__doc__") = usage();
        lazy.attr(py::module_::import("IPython.core.magic").attr("MAGIC_NO_VAR_EXPAND_ATTR")) = true;
        shell.attr("register_magic_function")(lazy, "line", "lazy");
        // A cell typed with %%eager never calls this (its first line is taken off before
        // IPython looks for cell magics); this serves programs calling run_cell_magic('eager', ...).
        py::object eager = py::cpp_function(
            [this](const std::string&, const std::string& cell)
            {
                m_engine.run_cell_eagerly();
                m_shell.attr("run_cell")(cell, "store_history"_a = false);
            },
            py::name("eager"), py::doc("%%eager: run this cell with every import eager."));
        shell.attr("register_magic_function")(eager, "cell", "eager");
    }
}
