// The xlazy program: reads its options, starts the embedded Python, hands it to the kernel.
// Owns interpreter start-up only; what follows is shared with the in-python3 module.
#include <iostream>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "kernel_process.hpp"
#include "python_runtime.hpp"
#include "xlazy_config.hpp"

int main(int argc, char* argv[])
{
    auto options = xlazy::options_or_exit_status(std::vector<std::string>(argv + 1, argv + argc));
    if (const int* exit_status = std::get_if<int>(&options))
    {
        return *exit_status;
    }

    std::unique_ptr<pybind11::scoped_interpreter> python;
    try
    {
        python = xlazy::start_python(argc, argv);
    }
    catch (const std::exception& error)
    {
        std::cerr << "xlazy: cannot start Python (" XLAZY_PYTHON_EXECUTABLE "): " << error.what() << "\n";
        return 1;
    }
    return xlazy::serve(std::get<xlazy::launch_options>(options));
}
