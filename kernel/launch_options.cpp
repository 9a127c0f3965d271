#include "launch_options.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

#include "nlohmann/json.hpp"

#include "message_signing.hpp"
#include "xlazy_config.hpp"

namespace nl = nlohmann;

namespace xlazy
{
    std::string usage_text()
    {
        return "Usage: xlazy -f CONNECTION_FILE [--lazy-mode=" + lazy_mode_choices() +
               "]\n"
               "\n"
               "A Jupyter kernel for Python that defers imports until a cell needs them.\n"
               "\n"
               "Options:\n"
               "  -f, --connection-file FILE  Jupyter connection file (written by the client)\n"
               "  --lazy-mode=MODE            off: import eagerly, like any Python kernel;\n"
               "                              cell: defer imports made at the top level of\n"
               "                              a cell; all (default): also the imports of\n"
               "                              other packages libraries make at their top level\n"
               "                              Also read from XLAZY_MODE; the option wins.\n"
               "  XLAZY_EXCLUDE=mod1,mod2     modules (and their submodules) always imported\n"
               "                              eagerly, added to the built-in list\n"
               "  --version                   print the version and exit\n"
               "  -h, --help                  print this help and exit\n";
    }

    namespace
    {
        print_and_exit usage_error(const std::string& message)
        {
            return {"xlazy: " + message + "\n\n" + usage_text(), 2};
        }

        // Accepts both `--name=value` and `--name value`; advances `index` past the value.
        bool take_value(const std::vector<std::string>& args, std::size_t& index,
                        const std::string& name, std::string& value)
        {
            const std::string& arg = args[index];
            if (arg.rfind(name + "=", 0) == 0)
            {
                value = arg.substr(name.size() + 1);
                return true;
            }
            if (arg == name && index + 1 < args.size())
            {
                value = args[++index];
                return true;
            }
            return false;
        }
    }

    launch_decision parse_launch_options(const std::vector<std::string>& args,
                                         const char* lazy_mode_env, const char* exclude_env)
    {
        launch_options options;
        if (exclude_env != nullptr)
        {
            std::istringstream modules(exclude_env);
            for (std::string module; std::getline(modules, module, ',');)
            {
                module.erase(0, module.find_first_not_of(" \t"));
                module.erase(module.find_last_not_of(" \t") + 1);
                if (!module.empty())
                {
                    options.exclusions.push_back(module);
                }
            }
        }
        std::string mode_text;
        std::string mode_source;
        if (lazy_mode_env != nullptr && *lazy_mode_env != '\0')
        {
            mode_text = lazy_mode_env;
            mode_source = "XLAZY_MODE";
        }

        for (std::size_t i = 0; i < args.size(); ++i)
        {
            const std::string& arg = args[i];
            std::string value;
            if (arg == "-h" || arg == "--help")
            {
                return print_and_exit{usage_text(), 0};
            }
            if (arg == "--version")
            {
                return print_and_exit{std::string("xlazy ") + XLAZY_VERSION + "\n", 0};
            }
            if (take_value(args, i, "-f", value) ||
                take_value(args, i, "--connection-file", value))
            {
                options.connection_file = value;
            }
            else if (take_value(args, i, "--lazy-mode", value))
            {
                mode_text = value;
                mode_source = "--lazy-mode";
            }
            else if (arg == "-f" || arg == "--connection-file" || arg == "--lazy-mode")
            {
                return usage_error("option " + arg + " needs a value");
            }
            else
            {
                return usage_error("unknown option '" + arg + "'");
            }
        }

        if (!mode_text.empty())
        {
            auto mode = parse_lazy_mode(mode_text);
            if (!mode)
            {
                return usage_error(mode_source + " must be one of " + lazy_mode_choices() +
                                   ", not '" + mode_text + "'");
            }
            options.mode = *mode;
        }
        if (options.connection_file.empty())
        {
            return usage_error("a connection file is required (-f CONNECTION_FILE); Jupyter "
                               "passes one when it starts the kernel");
        }
        return options;
    }

    std::string check_connection_file(const std::string& path)
    {
        struct stat status;
        if (stat(path.c_str(), &status) != 0)
        {
            return "xlazy: cannot read connection file '" + path + "': " + std::strerror(errno);
        }
        if (!S_ISREG(status.st_mode))
        {
            return "xlazy: connection file '" + path + "' is not a regular file";
        }
        std::ifstream input(path);
        if (!input)
        {
            return "xlazy: cannot read connection file '" + path + "': " + std::strerror(errno);
        }
        nl::json config;
        try
        {
            config = nl::json::parse(input);
        }
        catch (const nl::json::parse_error& error)
        {
            // The position only: the parser's message quotes the file's bytes, which may not be text.
            return "xlazy: connection file '" + path + "' is not valid JSON (at byte " + std::to_string(error.byte) +
                   ")";
        }
        if (!config.is_object())
        {
            return "xlazy: connection file '" + path + "' must hold a JSON object";
        }

        std::ostringstream problems;
        for (const char* port : {"shell_port", "iopub_port", "stdin_port", "control_port",
                                 "hb_port"})
        {
            if (!config.contains(port) || !config[port].is_number_integer())
            {
                problems << "\n  - '" << port << "' must be an integer port number";
            }
        }
        for (const char* text : {"transport", "ip", "signature_scheme"})
        {
            if (!config.contains(text) || !config[text].is_string() ||
                config[text].get<std::string>().empty())
            {
                problems << "\n  - '" << text << "' must be a non-empty string";
            }
        }
        if (config.contains("transport") && config["transport"].is_string())
        {
            const std::string transport = config["transport"].get<std::string>();
            if (transport != "tcp" && transport != "ipc")
            {
                problems << "\n  - 'transport' must be \"tcp\" or \"ipc\", not '" << transport << "'";
            }
        }
        // An empty key means unsigned messages, as jupyter_client writes it; a scheme that
        // does not sign would let anyone on the ports run code, whatever the key.
        if (config.contains("signature_scheme") && config["signature_scheme"].is_string())
        {
            if (std::string problem = signature_scheme_problem(config["signature_scheme"].get<std::string>());
                !problem.empty())
            {
                problems << "\n  - " << problem;
            }
        }
        if (!config.contains("key") || !config["key"].is_string())
        {
            problems << "\n  - 'key' must be a string (empty for unsigned messages)";
        }
        const std::string found = problems.str();
        if (found.empty())
        {
            return {};
        }
        return "xlazy: connection file '" + path + "' is not usable:" + found;
    }
}
