#include "debugger.hpp"

#include <memory>

#include "pybind11/pybind11.h"
#include "xeus-python/xdebugger.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace xlazy
{
    namespace
    {
        // debugpy 1.6 (pydevd) builds every stopped event with allThreadsStopped=True; the
        // thread it names is the one a front end shows, and xeus then records that thread.
        void report_stops_per_thread()
        {
            py::gil_scoped_acquire gil;
            py::object body = py::module_::import("_pydevd_bundle._debug_adapter.pydevd_schema").attr("StoppedEventBody");
            py::object build = body.attr("__init__");
            body.attr("__init__") = py::cpp_function(
                [build](py::object self, py::args args, py::kwargs kwargs)
                {
                    kwargs["allThreadsStopped"] = false;
                    build(self, *args, **kwargs);
                },
                py::is_method(body));
        }

        // A pending import as the variables panel shows it without running it: its repr (which
        // never resolves), under the name of its type. Anything else is shown as it is.
        class unrun_view
        {
        public:
            unrun_view() : m_sys_modules(py::module_::import("sys").attr("modules")) {}

            py::object operator()(py::handle value)
            {
                if (!is_pending(value))
                {
                    return py::reinterpret_borrow<py::object>(value);
                }
                py::object stand_in = stand_in_class(py::type::handle_of(value))();
                stand_in.attr("shown") = py::repr(value);
                return stand_in;
            }

        private:
            // A deferred `import m` binds a module that is not in sys.modules yet and answers
            // reads of missing attributes through the engine's (C++) __getattr__; a deferred
            // from-import binds an xlazy.pending_import.
            bool is_pending(py::handle value) const
            {
                const py::handle type = py::type::handle_of(value);
                if (py::str(type.attr("__qualname__")).cast<std::string>() == "pending_import" &&
                    py::str(type.attr("__module__")).cast<std::string>() == "xlazy")
                {
                    return true;
                }
                if (!PyModule_Check(value.ptr()))
                {
                    return false;
                }
                PyObject* namespace_ = PyModule_GetDict(value.ptr()); // borrowed
                PyObject* hook = PyDict_GetItemString(namespace_, "__getattr__");
                PyObject* name = PyDict_GetItemString(namespace_, "__name__");
                return hook != nullptr && PyCFunction_Check(hook) && name != nullptr &&
                       !m_sys_modules.attr("get")(py::handle(name)).is(value);
            }

            py::object stand_in_class(py::handle type)
            {
                py::str name = type.attr("__name__");
                if (!m_classes.contains(name))
                {
                    py::object made = py::module_::import("builtins").attr("type")(
                        name, py::make_tuple(py::module_::import("builtins").attr("object")),
                        py::dict("__slots__"_a = py::make_tuple("shown")));
                    made.attr("__repr__") = py::cpp_function([](py::object self) { return self.attr("shown"); },
                                                             py::is_method(made));
                    m_classes[name] = made;
                }
                return m_classes[name];
            }

            py::object m_sys_modules;
            py::dict m_classes;
        };

        // JupyterLab asks for the notebook's variables (inspectVariables, answered on the
        // control thread) after every message of every cell while the debugger is on.
        // debugpy's listing probes each value (hasattr(v, '__iter__'), v.__class__), which
        // would run every pending import there, concurrently with the cell. It lists a copy
        // of the namespace in which pending imports are shown unrun.
        void list_pending_imports_unrun()
        {
            py::gil_scoped_acquire gil;
            py::object explorer = py::module_::import("xeus_python_shell.debugger").attr("VariableExplorer");
            py::object track = explorer.attr("track");
            auto view = std::make_shared<unrun_view>();
            explorer.attr("track") = py::cpp_function(
                [track, view](py::object self)
                {
                    track(self);
                    py::object frame = self.attr("frame");
                    py::dict shown;
                    // A copy: the cell may be adding names while this runs.
                    py::dict namespace_copy = frame.attr("f_locals").attr("copy")();
                    for (auto item : namespace_copy)
                    {
                        shown[item.first] = (*view)(item.second);
                    }
                    frame.attr("f_locals") = shown;
                    frame.attr("f_globals") = shown;
                },
                py::is_method(explorer));
        }

        class debugger final : public xeus::xdebugger
        {
        public:
            explicit debugger(std::unique_ptr<xeus::xdebugger> inner) : m_inner(std::move(inner)) {}

        private:
            nl::json process_request_impl(const nl::json& header, const nl::json& message) override
            {
                // xeus 2.4.1 answers nothing when this throws, and the front end waits forever.
                try
                {
                    return forward(header, message);
                }
                catch (const std::exception& error)
                {
                    return failure(message, error.what());
                }
                catch (...)
                {
                    return failure(message, "unknown error");
                }
            }

            nl::json forward(const nl::json& header, const nl::json& message)
            {
                if (!m_inner_registered)
                {
                    // xeus registers its control messenger with the debugger it was given.
                    m_inner->register_control_messenger(get_control_messenger());
                    m_inner_registered = true;
                }
                nl::json reply = m_inner->process_request(header, message);
                // debugpy is imported and listening once the first initialize succeeds, and
                // nothing can stop before a later configurationDone and execute_request.
                if (!m_debugpy_prepared && message.value("command", "") == "initialize" && reply.value("success", false))
                {
                    report_stops_per_thread();
                    list_pending_imports_unrun();
                    m_debugpy_prepared = true;
                }
                return reply;
            }

            static nl::json failure(const nl::json& request, const std::string& why)
            {
                return {{"type", "response"},
                        {"request_seq", request.value("seq", 0)},
                        {"command", request.value("command", "")},
                        {"success", false},
                        {"message", "xlazy's debugger failed: " + why}};
            }

            std::unique_ptr<xeus::xdebugger> m_inner;
            bool m_inner_registered = false;
            bool m_debugpy_prepared = false;
        };
    }

    std::unique_ptr<xeus::xdebugger> make_debugger(xeus::xcontext& context, const xeus::xconfiguration& config,
                                                   const std::string& user_name, const std::string& session_id,
                                                   const nl::json& debugger_config)
    {
        return std::make_unique<debugger>(
            xpyt::make_python_debugger(context, config, user_name, session_id, debugger_config));
    }
}
