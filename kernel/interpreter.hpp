// xlazy::interpreter: xeus-python's IPython-backed interpreter, with the fixes that make it
// behave like ipykernel (error names, a real __main__ module, captured fd output, forked
// children, interrupts, input without stdin, notebook detection, atexit at shutdown) and the
// lazy-import mode. The shell is made after the first request has been answered (usually
// kernel_info, which needs no shell), or by the first request that needs it.
// Glue only: it owns no import decisions.
#pragma once

#include "pybind11/pybind11.h"
#include "xeus-python/xinterpreter.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "launch_options.hpp"
#include "magics.hpp"
#include "shell_imports.hpp"

namespace xlazy
{
    class history;
    class output_capture;

    class interpreter : public xpyt::interpreter
    {
    public:
        // `inputs` is the history manager given to the same xeus kernel.
        interpreter(const launch_options& options, history& inputs);

    private:
        void configure_impl() override;
        nl::json execute_request_impl(int execution_counter, const std::string& code, bool silent,
                                      bool store_history, nl::json user_expressions,
                                      bool allow_stdin) override;
        nl::json complete_request_impl(const std::string& code, int cursor_pos) override;
        nl::json inspect_request_impl(const std::string& code, int cursor_pos,
                                      int detail_level) override;
        nl::json is_complete_request_impl(const std::string& code) override;
        nl::json kernel_info_request_impl() override;
        void shutdown_request_impl() override;
        nl::json internal_request_impl(const nl::json& content) override;

        // Completion and inspection of `np.ar` need numpy itself: resolve the pending name
        // under the cursor first, and attribute any other resolution to the request.
        template <class Request>
        nl::json with_pending_name_resolved(const std::string& code, int cursor_pos, const char* trigger,
                                            Request&& request);

        // The IPython shell and everything built on it, made once, on the thread that first
        // needs it; the caller must not hold the GIL.
        void make_shell_once();
        void make_shell();
        void match_ipykernel_namespace();
        void configure_shell_like_ipykernel();
        void identify_as_a_notebook_kernel();
        void record_errors_by_class_name();
        void send_next_input_to_the_front_end();
        void let_exit_ask_the_front_end();
        void cancel_awaiting_cells_on_interrupt();
        void refuse_input_like_ipykernel();
        // The error reply for the exception the cell raised, if it did, with the last
        // traceback shown (see record_errors_by_class_name).
        std::optional<nl::json> error_of_the_cell();
        [[noreturn]] void leave_forked_child(const nl::json& reply);
        void send_log_to_terminal();
        void run_python_exit_handlers();
        void install_engine();

        launch_options m_options;
        std::unique_ptr<deferred_shell_imports> m_deferred_imports;
        std::once_flag m_shell_made;
        std::unique_ptr<lazy_engine> m_engine;
        std::unique_ptr<lazy_magics> m_magics;
        std::optional<std::string> m_usage_error; // of the cell running now
        pybind11::object m_cell_result; // what run_cell returned for the cell running now
        bool m_publishing_tracebacks = false;       // while a cell that is not silent runs
        std::vector<std::string> m_last_traceback; // the last one shown by the cell running now
        bool m_allow_stdin = false;               // of the cell running now
        history& m_history;
        output_capture* m_output = nullptr;
        pybind11::object m_terminal; // a text stream on the kernel's log, never a cell
    };
}
