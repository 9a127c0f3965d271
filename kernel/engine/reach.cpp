#include "reach.hpp"

#include <map>
#include <regex>
#include <vector>

#include "placeholder.hpp"

namespace py = pybind11;

namespace xlazy
{
    namespace
    {
        // A cell should not wait for a walk through a huge object graph: past this many
        // objects the analysis gives up (and the caller resolves conservatively); past this
        // many items a container's rest is left to the placeholders' own resolution.
        constexpr std::size_t follow_budget = 20000;
        constexpr std::size_t items_per_container = 10000;

        bool holds_no_code(PyObject* value)
        {
            return value == Py_None || PyBool_Check(value) || PyLong_CheckExact(value) || PyFloat_CheckExact(value) ||
                   PyComplex_CheckExact(value) || PyUnicode_CheckExact(value) || PyBytes_CheckExact(value);
        }

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

        // Builtins that hand the namespace itself to the code that calls them.
        bool reads_whole_namespace(const std::string& name)
        {
            return name == "globals" || name == "vars" || name == "locals" || name == "eval" || name == "exec";
        }

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

        // Magics that read the namespace or a module's state rather than names.
        std::string implicit_read(const std::string& magic)
        {
            static const std::map<std::string, std::string> reads{
                {"who", every_name},
                {"whos", every_name},
                {"who_ls", every_name},
                {"precision", module_state_token("numpy")},
            };
            auto found = reads.find(magic);
            return found == reads.end() ? std::string() : found->second;
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
            py::list arguments = call.attr("args");
            if (py::len(arguments) == 0 || !py::isinstance(arguments[0], kinds.constant) ||
                !py::isinstance<py::str>(arguments[0].attr("value")))
            {
                return;
            }
            const std::string magic = arguments[0].attr("value").cast<std::string>();
            if (std::string implied = implicit_read(magic); !implied.empty())
            {
                names.insert(implied);
            }
            // `%run -i script.py` runs the script in the notebook's namespace.
            if (magic == "run" && py::len(arguments) > 1 && py::isinstance(arguments[1], kinds.constant) &&
                py::isinstance<py::str>(arguments[1].attr("value")) &&
                std::regex_search(arguments[1].attr("value").cast<std::string>(), std::regex(R"((^|\s)-\w*i)")))
            {
                names.insert(every_name);
            }
            if (!takes_code(magic))
            {
                return;
            }
            static const std::regex identifier(R"([A-Za-z_][A-Za-z0-9_]*)");
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
                    if (reads_whole_namespace(it->str()))
                    {
                        names.insert(every_name);
                    }
                }
            }
        }

        void collect_reads(const syntax& kinds, py::handle node, std::set<std::string>& names,
                           std::set<std::string>& in_bodies)
        {
            if (py::isinstance(node, kinds.name))
            {
                if (py::isinstance(node.attr("ctx"), kinds.load))
                {
                    const std::string name = node.attr("id").cast<std::string>();
                    names.insert(name);
                    if (reads_whole_namespace(name))
                    {
                        names.insert(every_name);
                    }
                }
                return;
            }
            // A function body runs when it is called: what it reads is kept apart from what
            // the definition itself evaluates (defaults, decorators).
            if (py::isinstance(node, kinds.functions) || py::isinstance(node, kinds.lambda))
            {
                py::object arguments = node.attr("args");
                for (const char* evaluated : {"defaults", "kw_defaults"})
                {
                    for (py::handle value : arguments.attr(evaluated))
                    {
                        if (!value.is_none())
                        {
                            collect_reads(kinds, value, names, in_bodies);
                        }
                    }
                }
                const bool lambda = py::isinstance(node, kinds.lambda);
                if (!lambda)
                {
                    for (py::handle decorator : node.attr("decorator_list"))
                    {
                        collect_reads(kinds, decorator, names, in_bodies);
                    }
                    // Annotations are evaluated with the definition and kept in __annotations__.
                    if (!node.attr("returns").is_none())
                    {
                        collect_reads(kinds, node.attr("returns"), names, in_bodies);
                    }
                    for (const char* group : {"posonlyargs", "args", "kwonlyargs"})
                    {
                        for (py::handle argument : arguments.attr(group))
                        {
                            if (!argument.attr("annotation").is_none())
                            {
                                collect_reads(kinds, argument.attr("annotation"), names, in_bodies);
                            }
                        }
                    }
                    for (const char* single : {"vararg", "kwarg"})
                    {
                        py::object argument = arguments.attr(single);
                        if (!argument.is_none() && !argument.attr("annotation").is_none())
                        {
                            collect_reads(kinds, argument.attr("annotation"), names, in_bodies);
                        }
                    }
                }
                std::set<std::string> body_reads;
                if (lambda)
                {
                    collect_reads(kinds, node.attr("body"), body_reads, body_reads);
                }
                else
                {
                    for (py::handle statement : node.attr("body"))
                    {
                        collect_reads(kinds, statement, body_reads, body_reads);
                    }
                }
                in_bodies.insert(body_reads.begin(), body_reads.end());
                return;
            }
            if (py::isinstance(node, kinds.call))
            {
                collect_magic_argument_reads(kinds, node, names);
            }
            for (py::handle child : kinds.ast.attr("iter_child_nodes")(node))
            {
                collect_reads(kinds, child, names, in_bodies);
            }
        }

        // The type's own entry, read without running descriptors or metaclass code.
        py::object type_entry(PyTypeObject* type, const char* key)
        {
            PyObject* found = type->tp_dict ? PyDict_GetItemString(type->tp_dict, key) : nullptr;
            return found ? py::reinterpret_borrow<py::object>(found) : py::object();
        }

        bool written_in_notebook(PyTypeObject* type)
        {
            py::object module = type_entry(type, "__module__");
            return module && PyUnicode_Check(module.ptr()) && module.cast<std::string>() == "__main__";
        }

        // An instance's own attributes, without calling __getattr__ or properties.
        py::object instance_dict(py::handle value)
        {
            PyObject* dict = PyObject_GenericGetDict(value.ptr(), nullptr);
            if (dict == nullptr)
            {
                PyErr_Clear();
                return py::object();
            }
            return py::reinterpret_steal<py::object>(dict);
        }
    }

    std::string module_state_token(const std::string& module)
    {
        return "<state of " + module + ">";
    }

    std::string module_of_token(const std::string& token)
    {
        static const std::string prefix = "<state of ";
        if (token.rfind(prefix, 0) != 0 || token.back() != '>')
        {
            return {};
        }
        return token.substr(prefix.size(), token.size() - prefix.size() - 1);
    }

    names_in_code names_read(py::handle tree)
    {
        // Never destroyed: Python objects must not outlive the interpreter in a static.
        static const syntax* kinds = new syntax;
        names_in_code names;
        collect_reads(*kinds, tree, names.evaluated, names.in_bodies);
        return names;
    }

    void reach::add_code_names(py::handle code, std::set<std::string>& found)
    {
        if (!m_code_names.contains(code))
        {
            py::list names;
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
                if (PyCode_Check(constant.ptr()))
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
            const std::string text = name.cast<std::string>();
            found.insert(text);
            if (reads_whole_namespace(text))
            {
                found.insert(every_name);
            }
        }
    }

    void reach::add_function_names(py::handle function, std::set<std::string>& found)
    {
        PyObject* raw = function.ptr();
        // Only a notebook function reads notebook globals; a library decorator's wrapper
        // still leads, through its closure, to the notebook function it wraps.
        if (PyFunction_GET_GLOBALS(raw) == m_user_globals)
        {
            add_code_names(py::handle(PyFunction_GET_CODE(raw)), found);
        }
        if (PyObject* closure = PyFunction_GET_CLOSURE(raw))
        {
            for (py::handle cell : py::reinterpret_borrow<py::tuple>(closure))
            {
                if (PyObject* contents = PyCell_GET(cell.ptr()))
                {
                    add_object_names(contents, found);
                }
            }
        }
        if (PyObject* defaults = PyFunction_GET_DEFAULTS(raw))
        {
            add_items(defaults, found);
        }
        if (PyObject* keyword_defaults = PyFunction_GET_KW_DEFAULTS(raw))
        {
            add_items(keyword_defaults, found);
        }
        add_instance_names(function, found); // functools.wraps stores __wrapped__ here
    }

    void reach::add_instance_names(py::handle value, std::set<std::string>& found)
    {
        py::object attributes = instance_dict(value);
        if (!attributes || !PyDict_Check(attributes.ptr()))
        {
            return;
        }
        if (written_in_notebook(Py_TYPE(value.ptr())))
        {
            add_items(attributes, found);
        }
        else if (PyObject* wrapped = PyDict_GetItemString(attributes.ptr(), "__wrapped__"))
        {
            add_object_names(wrapped, found); // lru_cache, functools.wraps
        }
    }

    void reach::add_items(py::handle container, std::set<std::string>& found)
    {
        PyObject* raw = container.ptr();
        py::object values = PyDict_Check(raw) ? py::reinterpret_steal<py::object>(PyDict_Values(raw))
                                              : py::reinterpret_borrow<py::object>(container);
        std::size_t seen = 0;
        for (py::handle item : values)
        {
            if (++seen > items_per_container)
            {
                return;
            }
            add_object_names(item, found);
        }
    }

    void reach::add_object_names(py::handle value, std::set<std::string>& found)
    {
        PyObject* raw = value.ptr();
        if (holds_no_code(raw) || is_placeholder(value) || PyModule_Check(raw) || !m_followed.insert(raw).second)
        {
            return;
        }
        if (m_followed.size() > follow_budget)
        {
            throw incomplete();
        }
        static PyObject* partial_type = py::object(py::module_::import("functools").attr("partial")).release().ptr();
        if (PyFunction_Check(raw))
        {
            add_function_names(value, found);
        }
        else if (PyMethod_Check(raw))
        {
            add_object_names(PyMethod_GET_FUNCTION(raw), found);
            add_object_names(PyMethod_GET_SELF(raw), found);
        }
        else if (PyObject_TypeCheck(raw, reinterpret_cast<PyTypeObject*>(partial_type)))
        {
            py::object partial = py::reinterpret_borrow<py::object>(value);
            add_object_names(partial.attr("func"), found);
            add_items(partial.attr("args"), found);
            add_items(partial.attr("keywords"), found);
        }
        else if (PyType_Check(raw))
        {
            // Only classes written in the notebook: a library class cannot read its globals.
            PyTypeObject* type = reinterpret_cast<PyTypeObject*>(raw);
            if (!written_in_notebook(type))
            {
                return;
            }
            for (auto item : py::reinterpret_borrow<py::dict>(type->tp_dict))
            {
                py::handle member = item.second;
                if (PyObject_TypeCheck(member.ptr(), &PyProperty_Type))
                {
                    for (const char* accessor : {"fget", "fset", "fdel"})
                    {
                        add_object_names(member.attr(accessor), found);
                    }
                }
                else if (PyObject_TypeCheck(member.ptr(), &PyStaticMethod_Type) ||
                         PyObject_TypeCheck(member.ptr(), &PyClassMethod_Type))
                {
                    add_object_names(member.attr("__func__"), found);
                }
                else
                {
                    add_object_names(member, found);
                }
            }
            for (py::handle base : py::reinterpret_borrow<py::tuple>(type->tp_bases))
            {
                add_object_names(base, found);
            }
        }
        else if (PyList_Check(raw) || PyTuple_Check(raw) || PyDict_Check(raw) || PyAnySet_Check(raw))
        {
            add_items(value, found);
        }
        else
        {
            // An instance of a notebook class reads what its methods and attributes read.
            add_object_names(reinterpret_cast<PyObject*>(Py_TYPE(raw)), found);
            add_instance_names(value, found);
        }
    }

    std::set<std::string> reach::reachable(std::set<std::string> names, const py::dict& user_ns)
    {
        std::vector<std::string> to_visit(names.begin(), names.end());
        std::set<std::string> visited;
        m_followed.clear();
        m_user_globals = user_ns.ptr();
        while (!to_visit.empty())
        {
            std::string name = std::move(to_visit.back());
            to_visit.pop_back();
            if (!visited.insert(name).second)
            {
                continue;
            }
            PyObject* value = PyDict_GetItemString(user_ns.ptr(), name.c_str());
            if (value == nullptr)
            {
                continue;
            }
            std::set<std::string> found;
            add_object_names(value, found);
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
