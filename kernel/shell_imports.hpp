// What making the IPython shell would import that no kernel needs before a user asks for
// it: the terminal embedding code IPython/__init__ imports for `IPython.embed`
// (prompt_toolkit and the terminal shell), jedi, which IPython's completer imports at once
// and uses only to complete, pexpect, which only `!commands` use, and asyncio, which only
// top-level `await` uses. They wait for their first use: `IPython.embed` is imported when
// first read; the others are pending module objects in sys.modules that run on their first
// attribute use (the settings IPython writes to them at import are kept).
// Create it before anything imports IPython. Owns a one-shot finder for the IPython
// package and the pending modules; changes nothing else IPython runs.
#pragma once

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
        void defer_ipython_embed();
        void defer_module_imports();
        pybind11::object find_ipython_spec();
        void run_ipython_without_embed(pybind11::object module, pybind11::object original_loader);
        void import_on_first_use(const std::string& module);

        std::unique_ptr<lazy_modules> m_pending;
        std::map<std::string, pybind11::object> m_pending_in_sys_modules;
        pybind11::object m_ipython_finder;
        pybind11::dict m_ipython_hooks; // IPython's __getattr__ and __dir__ until embed is read
    };
}
