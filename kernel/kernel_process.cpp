#include "kernel_process.hpp"

#include <cstdlib>
#include <iostream>
#include <memory>

#include <unistd.h>

#include "xeus/xkernel.hpp"
#include "xeus/xkernel_configuration.hpp"
#include "xeus/xserver_zmq.hpp"

#include "debugger.hpp"
#include "forked_child.hpp"
#include "history.hpp"
#include "interpreter.hpp"
#include "interrupts.hpp"
#include "kernel_server.hpp"
#include "parent_watch.hpp"
#include "terminal_log.hpp"
#include "xlazy_config.hpp"

namespace xlazy
{
    namespace
    {
        // As under ipykernel (`-m ipykernel_launcher`): modules next to the notebook import.
        void put_the_working_directory_first_on_the_path()
        {
            pybind11::module_::import("sys").attr("path").attr("insert")(
                0, pybind11::module_::import("os").attr("getcwd")());
        }
    }

    std::variant<launch_options, int> options_or_exit_status(const std::vector<std::string>& args)
    {
        auto decision = parse_launch_options(args, std::getenv("XLAZY_MODE"), std::getenv("XLAZY_EXCLUDE"));
        if (auto* message = std::get_if<print_and_exit>(&decision))
        {
            (message->exit_code == 0 ? std::cout : std::cerr) << message->text << std::flush;
            return message->exit_code;
        }
        auto options = std::get<launch_options>(decision);
        if (std::string problem = check_connection_file(options.connection_file); !problem.empty())
        {
            std::cerr << problem << std::endl;
            return 2;
        }
        return options;
    }

    int serve(const launch_options& options)
    {
        put_the_working_directory_first_on_the_path();
        // Before xeus starts its threads, so that all of them inherit the blocked mask.
        watch_forks();
        block_interrupts();

        send_xeus_log_to_terminal();
        end_with_the_server(std::getenv("JPY_PARENT_PID"));

        try
        {
            // The kernel's log keeps the terminal's stderr: fd 2 is later redirected into cells.
            const int log_fd = dup(STDERR_FILENO);
            xeus::xconfiguration config = prepare_kernel_server(xeus::load_configuration(options.connection_file),
                                                                log_fd < 0 ? STDERR_FILENO : log_fd);
            auto context = xeus::make_context<zmq::context_t>();
            auto inputs = std::make_unique<history>();
            auto kernel_interpreter = std::make_unique<interpreter>(options, *inputs);
            // Invalid UTF-8 from a C library must not abort a message: replace it.
            xeus::xkernel kernel(config, xeus::get_user_name(), std::move(context), std::move(kernel_interpreter),
                                 make_kernel_server, std::move(inputs), nullptr, make_debugger,
                                 nl::json::object({{"python", XLAZY_PYTHON_EXECUTABLE}}),
                                 nl::json::error_handler_t::replace);
            kernel.start();
        }
        catch (const std::exception& error)
        {
            std::cerr << "xlazy: kernel failed: " << error.what() << "\n";
            return 1;
        }
        return 0;
    }
}
