#include "interpreter.hpp"

#include "pybind11/stl.h"
#include "xeus/xhelper.hpp"

#include <unistd.h>

#include "engine/cell_source.hpp"
#include "forked_child.hpp"
#include "history.hpp"
#include "interrupts.hpp"
#include "kernel_server.hpp"
#include "output_capture.hpp"
#include "resolve_progress.hpp"
#include "xlazy_config.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace xlazy
{
    namespace
    {
        // Built here: libxeus 2.4.1's create_error_reply swaps ename and evalue.
        nl::json error_reply(const std::string& ename, const std::string& evalue,
                             const std::vector<std::string>& traceback = {})
        {
            return {{"status", "error"}, {"ename", ename}, {"evalue", evalue}, {"traceback", traceback}};
        }

        // str(error), which is user code: one that raises must not take the reply with it.
        // The fallback is the traceback module's.
        std::string message_of(py::handle error)
        {
            try
            {
                return py::str(error);
            }
            catch (py::error_already_set&)
            {
                return "<exception str() failed>";
            }
        }

        // xeus 2.4.1 sends no reply at all when a handler throws, and the client then
        // waits forever; every handler answers through this instead.
        template <class Handler>
        nl::json answer_or_report(const char* request, Handler&& handler)
        {
            try
            {
                return handler();
            }
            catch (py::error_already_set& error)
            {
                py::gil_scoped_acquire gil;
                std::string ename = py::str(error.type().attr("__name__"));
                return error_reply(ename, error.what());
            }
            catch (const std::exception& error)
            {
                return error_reply("KernelError", std::string(request) + " failed: " + error.what());
            }
            catch (...)
            {
                return error_reply("KernelError", std::string(request) + " failed");
            }
        }

        // IPython.__version__, also before the shell (and IPython) is imported: its release
        // module is plain data, read here without running the IPython package.
        std::string ipython_version()
        {
            py::dict modules = py::module_::import("sys").attr("modules");
            if (modules.contains("IPython.core.release"))
            {
                return py::str(modules["IPython.core.release"].attr("version"));
            }
            py::object spec = py::module_::import("importlib.util").attr("find_spec")("IPython");
            py::object path = py::module_::import("os.path")
                                  .attr("join")(spec.attr("submodule_search_locations")[py::int_(0)], "core",
                                                "release.py");
            py::module_ builtins = py::module_::import("builtins");
            py::object source = py::module_::import("io").attr("open_code")(path).attr("read")();
            py::dict release;
            builtins.attr("exec")(builtins.attr("compile")(source, path, "exec"), release);
            return py::str(release["version"]);
        }

        // What ipykernel's application reads after ipython_config.py, which xeus-python's has read.
        void read_kernel_config_file(py::object app)
        {
            py::module_ config = py::module_::import("traitlets.config");
            try
            {
                config.attr("Application").attr("load_config_file")(app, "ipython_kernel_config.py",
                                                                      "path"_a = app.attr("config_file_paths"));
            }
            catch (py::error_already_set& error)
            {
                if (!error.matches(py::module_::import("traitlets.config.loader").attr("ConfigFileNotFound")))
                {
                    throw;
                }
            }
        }

        // ipykernel's application is IPKernelApp: what a profile sets for it (exec_lines,
        // extensions, matplotlib ...) is meant for the application that runs the shell, here
        // xeus-python's, which reads no IPKernelApp section.
        void take_ipkernelapp_settings(py::object app)
        {
            py::object config = app.attr("config");
            if (!config.contains("IPKernelApp"))
            {
                return;
            }
            py::module_ traitlets = py::module_::import("traitlets.config");
            py::dict settings;
            for (auto [name, value] : py::dict(config["IPKernelApp"]))
            {
                if (app.attr("has_trait")(name).cast<bool>())
                {
                    settings[name] = value;
                }
            }
            app.attr("update_config")(traitlets.attr("Config")(
                py::dict("XPythonShellApp"_a = traitlets.attr("Config")(settings))));
        }

        // Python's exit handlers run on the control thread at shutdown (see
        // shutdown_request_impl), and IPython's ends the history session there with the
        // connection the shell thread opened. sqlite3 refuses that by default: the session's
        // end was never written, and the exception stopped IPython's handler before it removed
        // the shell's temporary files and let its history thread finish. The option is given
        // to the history manager alone: the configuration users read stays theirs.
        py::dict history_connection_options(py::object config)
        {
            py::dict options;
            for (const char* section : {"HistoryAccessor", "HistoryManager"}) // the subclass's last
            {
                if (!config.contains(section) || !config[section].contains("connection_options"))
                {
                    continue;
                }
                py::object configured = config[section]["connection_options"];
                if (py::hasattr(configured, "get_value")) // a LazyConfigValue: `...connection_options.update(...)`
                {
                    configured = configured.attr("get_value")(py::dict());
                }
                options.attr("update")(configured);
            }
            options["check_same_thread"] = false;
            return options;
        }
    }

    interpreter::interpreter(const launch_options& options, history& inputs)
        // Output is redirected by output_capture rather than by xeus-python's streams.
        : xpyt::interpreter(/*redirect_output_enabled=*/false), m_options(options), m_history(inputs)
    {
    }

    void interpreter::configure_impl()
    {
        // xeus constructs the interpreter with the GIL held; it is let go here for good, and
        // the base, which would otherwise do it, runs later, from make_shell.
        m_release_gil_at_startup = false;
        m_release_gil = std::make_unique<py::gil_scoped_release>();
        // A front end's first request is kernel_info, answered without the shell: the shell
        // is made once that answer is out, while the user has not sent a cell yet.
        after_each_shell_request(
            [this]
            {
                try
                {
                    make_shell_once();
                }
                catch (...)
                {
                    // The next request that needs the shell tries again and answers with the error.
                }
            });
    }

    void interpreter::make_shell_once()
    {
        // Another thread asking meanwhile (the debugger, on the control thread) waits here
        // without the GIL, which making the shell needs.
        std::call_once(m_shell_made, [this] { make_shell(); });
    }

    void interpreter::make_shell()
    {
        py::gil_scoped_acquire gil;
        // IPython's application parses sys.argv and would warn about our `-f`;
        // users still see the real command line in sys.argv, as under ipykernel.
        py::module_ sys = py::module_::import("sys");
        py::object argv = sys.attr("argv");
        sys.attr("argv") = argv[py::slice(0, 1, 1)];
        m_deferred_imports = std::make_unique<deferred_shell_imports>();
        match_ipykernel_namespace(); // before the base creates the shell
        configure_shell_like_ipykernel();
        xpyt::interpreter::configure_impl();
        sys.attr("argv") = argv;
        identify_as_a_notebook_kernel();
        record_errors_by_class_name();
        send_next_input_to_the_front_end();
        let_exit_ask_the_front_end();
        cancel_awaiting_cells_on_interrupt();
        refuse_input_like_ipykernel();
        m_output = &output_capture::install(&xlazy::publish_stream);
        flush_streams_before(&output_capture::drain_installed);
        send_log_to_terminal();
        install_engine();
    }

    void interpreter::install_engine()
    {
        py::object shell = m_ipython_shell;
        m_engine = std::make_unique<lazy_engine>(shell.attr("user_ns"), m_options.mode, m_options.exclusions);
        resolve_progress& progress = resolve_progress::create(std::chrono::milliseconds(500));
        m_engine->observe_resolves([&progress](const std::vector<std::string>& modules) { progress.started(modules); },
                                   [&progress] { progress.finished(); });
        // Only the statements IPython runs as a cell are rewritten: %timeit and %time also
        // pass their code through ast_transformers, and an import there must stay local to
        // the timed code. Wrapping run_ast_nodes also keeps IPython from ever unregistering
        // the engine, which it does to an ast transformer that raises once.
        py::object run_ast_nodes = shell.attr("run_ast_nodes");
        shell.attr("run_ast_nodes") = py::cpp_function(
            [this, run_ast_nodes](py::list nodes, py::args args, py::kwargs kwargs)
            {
                py::object module = py::module_::import("ast").attr("Module")(nodes, py::list());
                py::list body = m_engine->transform_cell(module).attr("body");
                return run_ast_nodes(body, *args, **kwargs);
            });
        py::object cleanup = shell.attr("input_transformers_cleanup");
        cleanup.attr("append")(py::cpp_function(
            [this](const std::vector<std::string>& lines)
            {
                std::optional<std::vector<std::string>> body = eager_cell_lines(lines);
                if (!body)
                {
                    return lines;
                }
                m_engine->run_cell_eagerly();
                return *body;
            }));
        // IPython's completeness check skips the transforms that change state.
        cleanup[py::int_(-1)] = py::module_::import("functools").attr("partial")(cleanup[py::int_(-1)]);
        cleanup[py::int_(-1)].attr("has_side_effects") = true;
        cleanup.attr("append")(py::cpp_function(&without_lazy_keyword));
        m_magics = std::make_unique<lazy_magics>(*m_engine);
        m_magics->register_with(shell);
        // %reset empties the namespace; pending imports go with it.
        py::object reset = shell.attr("reset");
        shell.attr("reset") = py::cpp_function(
            [this, reset](py::args args, py::kwargs kwargs)
            {
                reset(*args, **kwargs);
                m_engine->forget_all();
            });
    }

    void interpreter::match_ipykernel_namespace()
    {
        // xeus-python's shell application hands IPython a bare dict, which IPython wraps in
        // a DummyMod: sys.modules["__main__"] is then no module, and doctest.testmod(),
        // inspect.getmodule() and friends refuse it. ipykernel lets IPython create a real
        // module whose __dict__ is the user namespace (with __name__, __doc__, __spec__ ...).
        // The shell keeps one dict from its creation on, so user_ns, user_global_ns and
        // user_module never disagree, and the engine later holds that same dict.
        py::object shell_class = py::module_::import("xeus_python_shell.shell").attr("XPythonShell");
        py::object prepare = py::module_::import("IPython.core.interactiveshell")
                                 .attr("InteractiveShell")
                                 .attr("prepare_user_module");
        py::object module_type = py::module_::import("types").attr("ModuleType");
        shell_class.attr("prepare_user_module") = py::cpp_function(
            [prepare, module_type](py::object shell, py::object user_module, py::object user_ns)
            {
                if (!user_module.is_none())
                {
                    return prepare(shell, user_module, user_ns);
                }
                user_module = module_type("__main__", "Automatically created module for IPython interactive environment");
                if (!user_ns.is_none())
                {
                    user_module.attr("__dict__").attr("update")(user_ns);
                }
                return prepare(shell, user_module, py::none());
            },
            py::is_method(shell_class), py::arg("user_module") = py::none(), py::arg("user_ns") = py::none());
    }

    void interpreter::configure_shell_like_ipykernel()
    {
        // ipykernel reads the profile's ipython_config.py, then ipython_kernel_config.py, and
        // makes its shell with the application as parent, so that configuration applies
        // (InteractiveShell.ast_node_interactivity, InlineBackend.figure_formats,
        // HistoryManager.enabled ...). xeus-python's application reads only the first file
        // and makes the shell without a parent, so none of it reached the shell.
        py::module_ xeus_shell = py::module_::import("xeus_python_shell.shell");
        py::object app_class = xeus_shell.attr("XPythonShellApp");
        py::object shell_class = xeus_shell.attr("XPythonShell");
        py::object history_manager = py::module_::import("IPython.core.history").attr("HistoryManager");
        shell_class.attr("init_history") = py::cpp_function(
            [history_manager](py::object shell)
            {
                py::object manager =
                    history_manager("shell"_a = shell, "parent"_a = shell,
                                    "connection_options"_a = history_connection_options(shell.attr("config")));
                shell.attr("history_manager") = manager;
                shell.attr("configurables").attr("append")(manager);
            },
            py::is_method(shell_class));
        py::object init_shell = app_class.attr("init_shell");
        app_class.attr("init_shell") = py::cpp_function(
            [init_shell, shell_class](py::object app)
            {
                read_kernel_config_file(app);
                take_ipkernelapp_settings(app);
                py::object instance = shell_class.attr("instance");
                shell_class.attr("instance") = py::cpp_function(
                    [instance, app](py::args args, py::kwargs kwargs)
                    {
                        kwargs["parent"] = app;
                        kwargs["profile_dir"] = app.attr("profile_dir");
                        return instance(*args, **kwargs);
                    });
                try
                {
                    init_shell(app);
                }
                catch (...)
                {
                    py::delattr(shell_class, "instance");
                    throw;
                }
                py::delattr(shell_class, "instance"); // SingletonConfigurable's again
            },
            py::is_method(app_class));
    }

    void interpreter::identify_as_a_notebook_kernel()
    {
        // Libraries tell a notebook kernel from a terminal by IPython's configuration
        // (tqdm.autonotebook: `'IPKernelApp' in get_ipython().config`). ipykernel's holds the
        // connection file under IPKernelApp; no class of this process reads that section.
        py::object config = py::module_::import("traitlets.config").attr("Config");
        m_ipython_shell.attr("config")["IPKernelApp"] = config("connection_file"_a = m_options.connection_file);
        // Others compare get_ipython().__class__.__name__ with ipykernel's shell class: the
        // shell takes that name through a subclass that adds nothing.
        py::object shell_class = m_ipython_shell.attr("__class__");
        m_ipython_shell.attr("__class__") = py::type::of(shell_class)(
            "ZMQInteractiveShell", py::make_tuple(shell_class),
            py::dict("__module__"_a = shell_class.attr("__module__"), "__doc__"_a = shell_class.attr("__doc__")));
    }

    void interpreter::refuse_input_like_ipykernel()
    {
        // Without stdin support in the front end, xeus-python's input() raises RuntimeError;
        // ipykernel raises IPython's StdinNotImplementedError, which code catches by name.
        // xeus-python installs its input() for each cell before IPython runs it, and restores
        // the original after: replace it at pre_execute, inside that window.
        py::object refused = py::module_::import("IPython.core.error").attr("StdinNotImplementedError");
        auto refusal = [refused](std::string message)
        {
            return py::cpp_function(
                [refused, message](py::args, py::kwargs)
                {
                    PyErr_SetObject(refused.ptr(), py::str(message).ptr());
                    throw py::error_already_set();
                });
        };
        py::object input = refusal("raw_input was called, but this frontend does not support input requests.");
        py::object getpass = refusal("getpass was called, but this frontend does not support input requests.");
        // A forked child cannot reach the front end (its sockets are the parent's): without
        // this, input() there would return an empty string as if the user had typed it.
        py::object child_input = refusal("raw_input was called in a process forked from the kernel; "
                                         "only the kernel process can ask the frontend for input.");
        py::object child_getpass = refusal("getpass was called in a process forked from the kernel; "
                                           "only the kernel process can ask the frontend for input.");
        py::module_::import("os").attr("register_at_fork")(
            "after_in_child"_a = py::cpp_function(
                [child_input, child_getpass]
                {
                    py::module_::import("builtins").attr("input") = child_input;
                    py::module_::import("getpass").attr("getpass") = child_getpass;
                }));
        // events.register() inspects the callback's signature, which a C++ function lacks;
        // pre_execute passes no arguments, so the callback list takes it as it is.
        m_ipython_shell.attr("events").attr("callbacks")["pre_execute"].attr("append")(
            py::cpp_function(
                [this, input, getpass]
                {
                    if (!m_allow_stdin)
                    {
                        py::module_::import("builtins").attr("input") = input;
                        py::module_::import("getpass").attr("getpass") = getpass;
                    }
                }));
    }

    void interpreter::send_next_input_to_the_front_end()
    {
        // %load and set_next_input() fill the next cell; IPython's base shell only keeps the
        // text for a terminal. Like ipykernel, answer with a payload, which xeus-python
        // puts in the execute_reply.
        py::object shell = m_ipython_shell;
        shell.attr("set_next_input") = py::cpp_function(
            [shell](const std::string& text, bool replace)
            {
                shell.attr("payload_manager").attr("write_payload")(
                    py::dict("source"_a = "set_next_input", "text"_a = text, "replace"_a = replace));
            },
            py::arg("text"), py::arg("replace") = false);
    }

    void interpreter::cancel_awaiting_cells_on_interrupt()
    {
        // IPython runs a cell with top-level await by run_until_complete on its own loop. An
        // interrupt lands in the loop's select and leaves the cell's task pending; the next
        // cell that awaits runs the loop and resumes it: the rest of the interrupted cell ran
        // then, and IPython wrote its history line twice. ipykernel cancels the task instead:
        // the cell sees CancelledError at its await (and may catch it), then ends. Patched on
        // the class so that `%autoawait asyncio` keeps it; asyncio is still imported only
        // when a cell first awaits.
        py::module_ helpers = py::module_::import("IPython.core.async_helpers");
        py::object runner_class = helpers.attr("_AsyncIORunner");
        py::object running_loop = helpers.attr("get_asyncio_loop");
        runner_class.attr("__call__") = py::cpp_function(
            [running_loop](py::object, py::object cell) -> py::object
            {
                py::object loop = running_loop();
                py::object task = loop.attr("create_task")(cell);
                for (;;)
                {
                    try
                    {
                        return loop.attr("run_until_complete")(task);
                    }
                    catch (py::error_already_set& error)
                    {
                        if (!error.matches(PyExc_KeyboardInterrupt) || task.attr("done")().cast<bool>())
                        {
                            throw;
                        }
                        task.attr("cancel")();
                    }
                }
            },
            py::is_method(runner_class));
    }

    void interpreter::let_exit_ask_the_front_end()
    {
        // exit() and quit() call the shell's ask_exit, which IPython's base shell lacks
        // (AttributeError). ipykernel's answers with an "ask_exit" payload in the
        // execute_reply and leaves ending the kernel to the front end; its exit also takes
        // exit(keep_kernel=True), which IPython's ZMQExitAutocall is.
        py::object shell = m_ipython_shell;
        py::object exiter = py::module_::import("IPython.core.autocall").attr("ZMQExitAutocall")(shell);
        shell.attr("exiter") = exiter; // what %reset puts back
        for (const char* name : {"exit", "quit"})
        {
            shell.attr("user_ns")[name] = exiter;
            shell.attr("user_ns_hidden")[name] = exiter; // still hidden from %who
        }
        shell.attr("ask_exit") = py::cpp_function(
            [shell]
            {
                const bool keep_kernel = py::getattr(shell, "keepkernel_on_exit", py::bool_(false)).cast<bool>();
                shell.attr("exit_now") = !keep_kernel;
                shell.attr("payload_manager").attr("write_payload")(
                    py::dict("source"_a = "ask_exit", "keepkernel"_a = keep_kernel));
            });
    }

    void interpreter::record_errors_by_class_name()
    {
        // xeus-python stores str(etype), so clients saw "<class 'ZeroDivisionError'>" as the
        // error name; ipykernel (and every frontend) expects the bare class name.
        // IPython 8.5 does not print exception notes (PEP 678) either, and the note is where
        // a failed deferred import says which statement and cell it came from.
        py::object shell = m_ipython_shell;
        // A cell's traceback is published as IPython shows it, as ipykernel does, so that it
        // sits among the cell's other outputs where it happened: before what the cell printed
        // after a nested run_cell failed, before the result whose _repr_html_ raised, before
        // what a post_run_cell callback shows. Outside a cell (the debugger's
        // internal requests, silent requests) it is handed to xeus-python as last_error.
        shell.attr("_showtraceback") = py::cpp_function(
            [this, shell](py::object etype, py::object evalue, py::list stb)
            {
                for (py::handle note : py::getattr(evalue, "__notes__", py::list()))
                {
                    stb.append(py::str(note));
                }
                const std::string ename = py::str(etype.attr("__name__"));
                // An exception whose str() raises makes that error the one shown, as in ipykernel.
                const std::string message = py::str(evalue);
                if (!m_publishing_tracebacks)
                {
                    shell.attr("last_error") = py::list(py::make_tuple(ename, message, stb));
                    return;
                }
                m_last_traceback = stb.cast<std::vector<std::string>>();
                publish_execution_error(ename, message, m_last_traceback);
            });
        // The cell's error is the one in the result run_cell hands to post_run_cell, as for
        // ipykernel's reply: a traceback shown for a nested run_cell (as %%capture runs one),
        // for a failing event callback or a failing display formatter is an error output but
        // not the cell's error. The result also knows an interrupt that landed while IPython
        // formatted a traceback (shown with a bare print) or after the cell's code (swallowed
        // by run_cell's `finally: return result`), and an error a custom exception handler
        // took (set_custom_exc), all of which xeus-python would answer "ok"; with %run of a
        // notebook, the request's own cell is the last to end. (Silent requests skip
        // post_run_cell; they show nothing to interrupt.) Appended as pre_execute's callback
        // is, as register() needs a signature.
        m_ipython_shell.attr("events").attr("callbacks")["post_run_cell"].attr("append")(
            py::cpp_function([this](py::object result) { m_cell_result = result; }));
        // IPython prints a UsageError (bad magic arguments) without a traceback; ipykernel
        // still answers the cell with status "error", which stops "Run All", and shows no
        // error output. Remember it for the reply instead of reporting it as an exception.
        py::object show_usage_error = shell.attr("show_usage_error");
        shell.attr("show_usage_error") = py::cpp_function(
            [this, show_usage_error](py::object error)
            {
                show_usage_error(error);
                m_usage_error = py::str(error).cast<std::string>();
            });
    }

    void interpreter::send_log_to_terminal()
    {
        // IPython's own warnings belong in the kernel log, not in a user's cell.
        m_terminal = py::module_::import("io").attr("open")(m_output->terminal_fd(), "w", "buffering"_a = 1,
                                                           "closefd"_a = false);
        m_logger.attr("handlers") = py::list();
        m_logger.attr("addHandler")(py::module_::import("logging").attr("StreamHandler")(m_terminal));
    }

    nl::json interpreter::internal_request_impl(const nl::json& content)
    {
        // The debugger starts debugpy through here, between cells; debugpy's warnings about
        // frozen modules belong in the kernel's log, as under ipykernel, not in the next cell.
        return answer_or_report(
            "internal_request",
            [&]
            {
                make_shell_once();
                py::gil_scoped_acquire gil;
                py::module_ sys = py::module_::import("sys");
                py::object cell_stdout = sys.attr("stdout");
                py::object cell_stderr = sys.attr("stderr");
                struct restore
                {
                    py::module_& sys;
                    py::object out, err;
                    ~restore()
                    {
                        sys.attr("stdout") = out;
                        sys.attr("stderr") = err;
                    }
                } restore_streams{sys, cell_stdout, cell_stderr};
                sys.attr("stdout") = m_terminal;
                sys.attr("stderr") = m_terminal;
                py::gil_scoped_release release_for_base;
                return xpyt::interpreter::internal_request_impl(content);
            });
    }

    nl::json interpreter::execute_request_impl(int execution_counter, const std::string& code,
                                               bool silent, bool store_history,
                                               nl::json user_expressions, bool allow_stdin)
    {
        return answer_or_report(
            "execute_request",
            [&]
            {
                make_shell_once();
                m_history.begin_cell(execution_counter);
                m_usage_error.reset();
                m_allow_stdin = allow_stdin;
                nl::json reply;
                bool interrupted_late = false;
                std::optional<nl::json> cell_error;
                {
                    py::gil_scoped_acquire gil;
                    m_output->begin_cells();
                    m_cell_result = py::object();
                    m_last_traceback.clear();
                    struct publishing_tracebacks
                    {
                        bool& flag;
                        ~publishing_tracebacks() { flag = false; }
                    } while_the_cell_runs{m_publishing_tracebacks};
                    m_publishing_tracebacks = !silent;
                    // Before any Python code runs: the handlers of signals that came while
                    // the kernel was idle run here, not in the kernel's own bookkeeping.
                    interruptible_scope interruptible;
                    m_engine->begin_cell(execution_counter);
                    {
                        py::gil_scoped_release release_for_base;
                        reply = xpyt::interpreter::execute_request_impl(
                            execution_counter, code, silent, store_history, std::move(user_expressions),
                            allow_stdin);
                    }
                    interrupted_late = interruptible.close();
                    cell_error = error_of_the_cell();
                }
                // xeus-python answers "ok" for every error it did not catch itself.
                if (reply.value("status", "") == "ok")
                {
                    if (m_usage_error)
                    {
                        reply = error_reply("UsageError", *m_usage_error);
                    }
                    else if (cell_error)
                    {
                        reply = std::move(*cell_error);
                    }
                    else if (interrupted_late)
                    {
                        reply = error_reply("KeyboardInterrupt", "");
                    }
                }
                if (in_forked_child())
                {
                    leave_forked_child(reply);
                }
                py::gil_scoped_acquire gil;
                m_engine->end_cell();
                m_output->drain();
                return reply;
            });
    }

    std::optional<nl::json> interpreter::error_of_the_cell()
    {
        // Taken, so that the next cell starts without one.
        py::object result = std::move(m_cell_result);
        if (!result || result.is_none())
        {
            return std::nullopt;
        }
        for (const char* stage : {"error_before_exec", "error_in_exec"})
        {
            py::object error = result.attr(stage);
            if (!error.is_none())
            {
                return error_reply(py::str(py::type::of(error).attr("__name__")), message_of(error),
                                   m_last_traceback);
            }
        }
        return std::nullopt;
    }

    void interpreter::leave_forked_child(const nl::json& reply)
    {
        // A child of os.fork() that reaches the end of the cell would go on serving the
        // parent's sockets. It ends here instead, as a script would: its error on stderr,
        // which the parent shows, and exit status 1.
        py::gil_scoped_acquire gil;
        const bool failed = reply.value("status", "ok") != "ok";
        if (failed)
        {
            std::string text;
            for (const auto& line : reply.value("traceback", nl::json::array()))
            {
                text += line.get<std::string>() + "\n";
            }
            if (text.empty())
            {
                text = reply.value("ename", "") + ": " + reply.value("evalue", "") + "\n";
            }
            m_output->write(output_capture::stderr_stream, text);
        }
        m_output->flush();
        _exit(failed ? 1 : 0);
    }

    template <class Request>
    nl::json interpreter::with_pending_name_resolved(const std::string& code, int cursor_pos,
                                                     const char* trigger, Request&& request)
    {
        make_shell_once();
        py::gil_scoped_acquire gil;
        try
        {
            m_engine->resolve_for_request(code, cursor_pos, trigger);
        }
        catch (py::error_already_set&)
        {
            // The failure is recorded in %lazy status; the request still gets its answer.
        }
        return m_engine->attributing_uses_to(trigger,
                                             [&]
                                             {
                                                 py::gil_scoped_release release_for_base;
                                                 return request();
                                             });
    }

    nl::json interpreter::complete_request_impl(const std::string& code, int cursor_pos)
    {
        return answer_or_report("complete_request",
                                [&]
                                {
                                    return with_pending_name_resolved(code, cursor_pos, "completion", [&] {
                                        return xpyt::interpreter::complete_request_impl(code, cursor_pos);
                                    });
                                });
    }

    nl::json interpreter::inspect_request_impl(const std::string& code, int cursor_pos,
                                               int detail_level)
    {
        return answer_or_report("inspect_request",
                                [&]
                                {
                                    return with_pending_name_resolved(code, cursor_pos, "inspection", [&] {
                                        return xpyt::interpreter::inspect_request_impl(code, cursor_pos,
                                                                                       detail_level);
                                    });
                                });
    }

    nl::json interpreter::is_complete_request_impl(const std::string& code)
    {
        return answer_or_report("is_complete_request",
                                [&]
                                {
                                    make_shell_once();
                                    return xpyt::interpreter::is_complete_request_impl(code);
                                });
    }

    nl::json interpreter::kernel_info_request_impl()
    {
        return answer_or_report(
            "kernel_info_request",
            [&]
            {
                nl::json reply = xpyt::interpreter::kernel_info_request_impl();
                py::gil_scoped_acquire gil;
                // libxeus-python reports the Python it was compiled against; users need
                // the one actually running.
                std::string version =
                    py::str(py::module_::import("platform").attr("python_version")());
                reply["implementation"] = "xlazy";
                reply["implementation_version"] = XLAZY_VERSION;
                reply["language_info"]["version"] = version;
                // What ipykernel announces: front ends highlight magics with the IPython
                // mode, and `nbconvert --to script` picks its Python exporter, which turns
                // magics into get_ipython() calls, only from these.
                reply["language_info"]["codemirror_mode"] = {{"name", "ipython"}, {"version", 3}};
                reply["language_info"]["pygments_lexer"] = "ipython3";
                reply["language_info"]["nbconvert_exporter"] = "python";
                const bool deferring = m_options.mode != lazy_mode::off;
                reply["banner"] =
                    "xlazy " XLAZY_VERSION " (Python " + version + ", IPython " + ipython_version() + ")\n" +
                    (deferring ? "Imports are deferred: a module is imported when a cell first "
                                 "needs it. %lazy status shows what is pending.\n"
                               : "Lazy imports are off: every import runs at once.\n");
                reply["help_links"] = nl::json::array(
                    {{{"text", "Python Reference"}, {"url", "https://docs.python.org/3/"}},
                     {{"text", "IPython Reference"}, {"url", "https://ipython.readthedocs.io/"}}});
                return reply;
            });
    }

    void interpreter::run_python_exit_handlers()
    {
        // In Python's order: the threading module's exit calls first (concurrent.futures
        // tells its process pools to stop and joins them there; without that, multiprocessing
        // waits forever for their workers in its atexit handler), then atexit's.
        py::module_ threading = py::module_::import("threading");
        threading.attr("_SHUTTING_DOWN") = true;
        py::list threading_calls = threading.attr("_threading_atexits");
        for (auto call = threading_calls.size(); call-- > 0;)
        {
            try
            {
                threading_calls[call]();
            }
            catch (py::error_already_set& error)
            {
                error.discard_as_unraisable("xlazy: a threading exit call at shutdown");
            }
        }
        py::module_::import("atexit").attr("_run_exitfuncs")();
    }

    void interpreter::shutdown_request_impl()
    {
        // xeus ends the process with std::exit, which CPython never sees: run what
        // Python code registered for exit (multiprocessing and joblib reap their
        // workers there) while the interpreter is still whole.
        try
        {
            py::gil_scoped_acquire gil;
            run_python_exit_handlers();
        }
        catch (...)
        {
        }
        xpyt::interpreter::shutdown_request_impl();
    }
}
