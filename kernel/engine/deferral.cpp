#include "deferral.hpp"

namespace py = pybind11;

namespace xlazy
{
    deferral_policy::deferral_policy(lazy_mode mode, const std::vector<std::string>& user_exclusions)
        : m_mode(mode)
    {
        for (const auto& entry : default_exclusions())
        {
            m_excluded[entry.module] = entry.reason;
        }
        for (const auto& module : user_exclusions)
        {
            exclude(module);
        }
    }

    void deferral_policy::exclude(const std::string& module)
    {
        m_excluded[module] = "excluded by you";
    }

    bool deferral_policy::include(const std::string& module)
    {
        return m_excluded.erase(module) > 0;
    }

    std::vector<exclusion> deferral_policy::exclusions() const
    {
        std::vector<exclusion> listed;
        for (const auto& [module, reason] : m_excluded)
        {
            listed.push_back({module, reason});
        }
        return listed;
    }

    std::optional<std::string> deferral_policy::exclusion_reason(const std::string& module) const
    {
        // An exclusion covers the module and its submodules.
        for (std::string prefix = module;;)
        {
            auto found = m_excluded.find(prefix);
            if (found != m_excluded.end())
            {
                return "excluded (" + found->first + "): " + found->second;
            }
            auto dot = prefix.rfind('.');
            if (dot == std::string::npos)
            {
                return std::nullopt;
            }
            prefix.resize(dot);
        }
    }

    namespace
    {
        std::string unparse(py::handle node)
        {
            return py::module_::import("ast").attr("unparse")(node).cast<std::string>();
        }

        std::string with_alias(const std::string& name, py::handle asname)
        {
            return asname.is_none() ? name : name + " as " + asname.cast<std::string>();
        }
    }

    std::optional<import_plan> deferral_policy::plan(py::handle statement, const names_in_code& read_later) const
    {
        py::module_ ast = py::module_::import("ast");
        import_plan result;
        result.statement = unparse(statement);
        result.line = statement.attr("lineno").cast<int>();

        const bool from_import = py::isinstance(statement, ast.attr("ImportFrom"));
        std::optional<std::string> statement_reason;
        std::string from_module;
        if (from_import)
        {
            py::object module = statement.attr("module");
            from_module = module.is_none() ? "" : module.cast<std::string>();
            if (from_module == "__future__")
            {
                return std::nullopt;
            }
            if (statement.attr("level").cast<int>() > 0)
            {
                statement_reason = "relative import";
            }
        }

        for (py::handle alias : statement.attr("names"))
        {
            const std::string imported = alias.attr("name").cast<std::string>();
            py::object asname = alias.attr("asname");
            import_binding binding;
            binding.from_import = from_import;
            if (from_import)
            {
                binding.module = from_module;
                binding.name = asname.is_none() ? imported : asname.cast<std::string>();
                binding.statement = result.statement.substr(0, result.statement.find(" import ")) +
                                    " import " + with_alias(imported, asname);
                if (imported == "*")
                {
                    binding.eager_reason = "`import *` needs the module's names now";
                }
            }
            else
            {
                binding.module = imported;
                binding.name = asname.is_none() ? imported.substr(0, imported.find('.'))
                                                : asname.cast<std::string>();
                binding.statement = "import " + with_alias(imported, asname);
            }

            if (!binding.eager_reason)
            {
                if (statement_reason)
                {
                    binding.eager_reason = statement_reason;
                }
                else if (auto excluded = exclusion_reason(from_import ? binding.module + "." + imported : binding.module))
                {
                    // For `from a import b`, b may be the excluded submodule a.b itself.
                    binding.eager_reason = excluded;
                }
                else if (read_later.evaluated.count(binding.name) > 0 ||
                         (from_import && read_later.in_bodies.count(binding.name) > 0))
                {
                    // A function of this cell may catch or type-check a from-imported name
                    // before any analysis could resolve it; a module resolves itself.
                    binding.eager_reason = "used later in the same cell";
                }
            }
            result.bindings.push_back(std::move(binding));
        }
        return result;
    }
}
