#include "reach.hpp"

#include <regex>
#include <vector>

#include "placeholder.hpp"

namespace py = pybind11;

namespace xlazy
{
    namespace
    {
        struct syntax
        {
            py::module_ ast = py::module_::import("ast");
            py::object name = ast.attr("Name");
            py::object load = ast.attr("Load");
            py::object lambda = ast.attr("Lambda");
            py::tuple functions = py::make_tuple(ast.attr("FunctionDef"), ast.attr("AsyncFunctionDef"));
            py::object call = ast.attr("Call");
            py::object attribute = ast.attr("Attribute");
            py::object constant = ast.attr("Constant");
        };

        // `np.array?`, `%time f(x)`, `%%timeit` reach the cell as
        // get_ipython().run_line_magic('pinfo', 'np.array'): the code is in a string. For
        // the magics whose argument is code, every identifier in it counts as read; other
        // magics take names that are not code (`%lazy resolve np`, `%pip install numpy`).
        bool takes_code(const std::string& magic)
        {
            static const std::set<std::string> code_magics{"pinfo", "pinfo2", "pdef",  "pdoc",    "psource",
                                                           "pfile", "time",   "timeit", "prun",   "debug",
                                                           "capture"};
            return code_magics.count(magic) > 0;
        }

        void collect_magic_argument_reads(const syntax& kinds, py::handle call, std::set<std::string>& names)
        {
            py::object function = call.attr("func");
            if (!py::isinstance(function, kinds.attribute))
            {
                return;
            }
            const std::string method = function.attr("attr").cast<std::string>();
            if (method != "run_line_magic" && method != "run_cell_magic")
            {
                return;
            }
            static const std::regex identifier(R"([A-Za-z_][A-Za-z0-9_]*)");
            py::list arguments = call.attr("args");
            if (py::len(arguments) == 0 || !py::isinstance(arguments[0], kinds.constant) ||
                !takes_code(py::str(arguments[0].attr("value")).cast<std::string>()))
            {
                return;
            }
            for (std::size_t i = 1; i < py::len(arguments); ++i)
            {
                py::handle argument = arguments[i];
                if (!py::isinstance(argument, kinds.constant) || !py::isinstance<py::str>(argument.attr("value")))
                {
                    continue;
                }
                const std::string text = argument.attr("value").cast<std::string>();
                for (std::sregex_iterator it(text.begin(), text.end(), identifier), end; it != end; ++it)
                {
                    names.insert(it->str());
                }
            }
        }

        void collect_reads(const syntax& kinds, py::handle node, std::set<std::string>& names)
        {
            if (py::isinstance(node, kinds.name))
            {
                if (py::isinstance(node.attr("ctx"), kinds.load))
                {
                    names.insert(node.attr("id").cast<std::string>());
                }
                return;
            }
            // A function body runs when it is called, and the call is followed then
            // (reach::reachable); only what the definition evaluates counts now.
            if (py::isinstance(node, kinds.functions) || py::isinstance(node, kinds.lambda))
            {
                py::object arguments = node.attr("args");
                for (const char* evaluated : {"defaults", "kw_defaults"})
                {
                    for (py::handle value : arguments.attr(evaluated))
                    {
                        if (!value.is_none())
                        {
                            collect_reads(kinds, value, names);
                        }
                    }
                }
                if (!py::isinstance(node, kinds.lambda))
                {
                    for (py::handle decorator : node.attr("decorator_list"))
                    {
                        collect_reads(kinds, decorator, names);
                    }
                }
                return;
            }
            if (py::isinstance(node, kinds.call))
            {
                collect_magic_argument_reads(kinds, node, names);
            }
            for (py::handle child : kinds.ast.attr("iter_child_nodes")(node))
            {
                collect_reads(kinds, child, names);
            }
        }
    }

    std::set<std::string> names_read(py::handle tree)
    {
        // Never destroyed: Python objects must not outlive the interpreter in a static.
        static const syntax* kinds = new syntax;
        std::set<std::string> names;
        collect_reads(*kinds, tree, names);
        return names;
    }

    void reach::add_code_names(py::handle code, std::set<std::string>& found)
    {
        if (!m_code_names.contains(code))
        {
            py::list names;
            py::object code_type = py::module_::import("types").attr("CodeType");
            for (py::handle instruction : py::module_::import("dis").attr("get_instructions")(code))
            {
                const std::string opname = instruction.attr("opname").cast<std::string>();
                if (opname == "LOAD_GLOBAL" || opname == "LOAD_NAME")
                {
                    names.append(instruction.attr("argval"));
                }
            }
            // Nested functions, lambdas, comprehensions and class bodies.
            for (py::handle constant : code.attr("co_consts"))
            {
                if (py::isinstance(constant, code_type))
                {
                    std::set<std::string> nested;
                    add_code_names(constant, nested);
                    for (const auto& name : nested)
                    {
                        names.append(py::str(name));
                    }
                }
            }
            m_code_names[code] = py::tuple(names);
        }
        for (py::handle name : m_code_names[code])
        {
            found.insert(name.cast<std::string>());
        }
    }

    void reach::add_object_names(py::handle value, std::set<std::string>& found)
    {
        if (is_placeholder(value) || !m_followed.insert(value.ptr()).second)
        {
            return;
        }
        py::module_ types = py::module_::import("types");
        if (py::isinstance(value, types.attr("FunctionType")))
        {
            add_code_names(value.attr("__code__"), found);
        }
        else if (py::isinstance(value, types.attr("MethodType")))
        {
            add_object_names(value.attr("__func__"), found);
        }
        else if (py::isinstance(value, py::module_::import("functools").attr("partial")))
        {
            add_object_names(value.attr("func"), found);
        }
        else if (PyType_Check(value.ptr()))
        {
            // Only classes written in the notebook: a library class cannot read its globals.
            if (py::str(py::getattr(value, "__module__", py::none())).cast<std::string>() != "__main__")
            {
                return;
            }
            py::object property_type = py::module_::import("builtins").attr("property");
            for (auto item : value.attr("__dict__").attr("items")())
            {
                py::handle member = py::reinterpret_borrow<py::tuple>(item)[1];
                if (py::isinstance(member, property_type))
                {
                    for (const char* accessor : {"fget", "fset", "fdel"})
                    {
                        py::object function = member.attr(accessor);
                        if (!function.is_none())
                        {
                            add_object_names(function, found);
                        }
                    }
                }
                else if (py::hasattr(member, "__func__")) // staticmethod, classmethod
                {
                    add_object_names(member.attr("__func__"), found);
                }
                else
                {
                    add_object_names(member, found);
                }
            }
        }
        else if (!PyModule_Check(value.ptr()))
        {
            // An instance of a notebook class reads what its methods read.
            add_object_names(py::type::handle_of(value), found);
        }
    }

    std::set<std::string> reach::reachable(std::set<std::string> names, const py::dict& user_ns)
    {
        std::vector<std::string> to_visit(names.begin(), names.end());
        std::set<std::string> visited;
        m_followed.clear();
        while (!to_visit.empty())
        {
            std::string name = std::move(to_visit.back());
            to_visit.pop_back();
            if (!visited.insert(name).second)
            {
                continue;
            }
            py::str key(name);
            if (!user_ns.contains(key))
            {
                continue;
            }
            std::set<std::string> found;
            add_object_names(user_ns[key], found);
            for (const auto& next : found)
            {
                if (visited.count(next) == 0)
                {
                    to_visit.push_back(next);
                }
            }
        }
        return visited;
    }
}
