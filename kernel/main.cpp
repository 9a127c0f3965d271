// The xlazy program: reads its options, starts the embedded Python, hands the
// interpreter to xeus. Owns process set-up only.
#include <cstdlib>
#include <unistd.h>
#include <iostream>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "xeus/xkernel.hpp"
#include "xeus/xkernel_configuration.hpp"
#include "xeus/xserver_zmq.hpp"

#include "debugger.hpp"
#include "forked_child.hpp"
#include "interpreter.hpp"
#include "interrupts.hpp"
#include "kernel_server.hpp"
#include "launch_options.hpp"
#include "parent_watch.hpp"
#include "python_runtime.hpp"
#include "history.hpp"
#include "terminal_log.hpp"
#include "xlazy_config.hpp"

namespace py = pybind11;

int main(int argc, char* argv[])
{
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto decision =
        xlazy::parse_launch_options(args, std::getenv("XLAZY_MODE"), std::getenv("XLAZY_EXCLUDE"));
    if (auto* message = std::get_if<xlazy::print_and_exit>(&decision))
    {
        (message->exit_code == 0 ? std::cout : std::cerr) << message->text;
        return message->exit_code;
    }
    const auto options = std::get<xlazy::launch_options>(decision);
    if (std::string problem = xlazy::check_connection_file(options.connection_file); !problem.empty())
    {
        std::cerr << problem << "\n";
        return 2;
    }

    std::unique_ptr<py::scoped_interpreter> python;
    try
    {
        python = xlazy::start_python(argc, argv);
    }
    catch (const std::exception& error)
    {
        std::cerr << "xlazy: cannot start Python (" XLAZY_PYTHON_EXECUTABLE "): " << error.what()
                  << "\n";
        return 1;
    }

    // Before xeus starts its threads, so that all of them inherit the blocked mask.
    xlazy::watch_forks();
    xlazy::block_interrupts();

    xlazy::send_xeus_log_to_terminal();
    xlazy::end_with_the_server(std::getenv("JPY_PARENT_PID"));

    try
    {
        // The kernel's log keeps the terminal's stderr: fd 2 is later redirected into cells.
        const int log_fd = dup(STDERR_FILENO);
        xeus::xconfiguration config = xlazy::prepare_kernel_server(
            xeus::load_configuration(options.connection_file), log_fd < 0 ? STDERR_FILENO : log_fd);
        auto context = xeus::make_context<zmq::context_t>();
        auto inputs = std::make_unique<xlazy::history>();
        auto interpreter = std::make_unique<xlazy::interpreter>(options, *inputs);
        // Invalid UTF-8 from a C library must not abort a message: replace it.
        xeus::xkernel kernel(config, xeus::get_user_name(), std::move(context),
                             std::move(interpreter), xlazy::make_kernel_server,
                             std::move(inputs), nullptr,
                             xlazy::make_debugger,
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
