// What making the IPython shell would import that no kernel needs before a user asks for
// it: the terminal embedding code IPython/__init__ imports for `IPython.embed`
// (prompt_toolkit and the terminal shell), jedi, which IPython's completer imports at once
// and uses only to complete, pexpect, which only `!commands` use, asyncio, which only
// top-level `await` uses, what only a traceback uses (stack_data, pydoc, pygments' terminal
// formatter), what only inspection's HTML uses (pygments' Python lexer and HTML formatter)
// and `urllib.request`, which only %pastebin uses. They wait for their first use:
// `IPython.embed` is imported when first read; modules IPython imports whole are pending
// module objects in sys.modules that run on their first attribute use (the settings IPython
// writes to them at import are kept); names IPython imports from a module at the top of
// one of its modules and only calls are bound there to stand-ins that import the module
// on their first call and put the real names in their place.
// Create it before anything imports IPython. Owns a one-shot finder for the IPython
// modules it runs itself and the pending modules; changes nothing else IPython runs.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "pybind11/pybind11.h"

namespace xlazy
{
    class lazy_modules;

    class deferred_shell_imports
    {
    public:
        deferred_shell_imports();
        ~deferred_shell_imports();
        deferred_shell_imports(const deferred_shell_imports&) = delete;
        deferred_shell_imports& operator=(const deferred_shell_imports&) = delete;

    private:
        using module_runner = std::function<void(pybind11::object module, pybind11::object original_loader)>;

        void defer_module_imports();
        void run_ipython_modules_on_first_import();
        pybind11::object find_spec_to_run(const std::string& name);
        void run_ipython_without_embed(pybind11::object module, pybind11::object original_loader);
        void import_on_first_use(const std::string& module);

        std::unique_ptr<lazy_modules> m_pending;
        std::map<std::string, pybind11::object> m_pending_in_sys_modules;
        // The IPython modules whose first import the finder hands to a runner of ours.
        std::map<std::string, module_runner> m_runners;
        pybind11::object m_finder;
        pybind11::dict m_ipython_hooks; // IPython's __getattr__ and __dir__ until embed is read
    };
}
