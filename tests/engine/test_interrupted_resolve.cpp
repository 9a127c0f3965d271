// An interrupt that stops a deferred import half-way leaves nothing half-imported behind:
// the next use imports the package again, cleanly.
#include "engine_fixture.hpp"

namespace py = pybind11;
using xlazy::import_state;

class interrupted_resolve_test : public engine_test
{
protected:
    // A package that imports a dependency (which finishes) and one of its own submodules,
    // and is then interrupted while `interrupt_package` is set in builtins.
    void write_interrupted_package()
    {
        write_module("interrupt_dependency.py", "ran(__name__)\n");
        write_module("package/__init__.py", "ran(__name__)\n"
                                            "import interrupt_dependency\n"
                                            "from package import finished\n"
                                            "import builtins\n"
                                            "if getattr(builtins, 'interrupt_package', False):\n"
                                            "    raise KeyboardInterrupt\n"
                                            "value = finished.value\n");
        write_module("package/finished.py", "ran(__name__)\nvalue = 42\n");
        py::module_::import("builtins").attr("interrupt_package") = true;
    }
};

TEST_F(interrupted_resolve_test, forgets_the_submodules_it_imported_and_stays_pending)
{
    write_interrupted_package();
    run_cell("import package");
    EXPECT_EQ(run_cell("package.value"), "KeyboardInterrupt");
    py::dict modules = py::module_::import("sys").attr("modules");
    EXPECT_FALSE(modules.contains("package"));
    EXPECT_FALSE(modules.contains("package.finished")) << "a submodule of the failed package stayed";
    EXPECT_TRUE(modules.contains("interrupt_dependency")) << "a dependency that finished whole must stay";
    EXPECT_EQ(entry_named("package").state, import_state::failed);
    EXPECT_EQ(value("type(package).__name__"), "'module'");
}

TEST_F(interrupted_resolve_test, next_use_imports_the_package_again_from_the_start)
{
    write_interrupted_package();
    run_cell("import package");
    run_cell("package.value");
    py::module_::import("builtins").attr("interrupt_package") = false;
    EXPECT_EQ(run_cell("answer = package.value"), "");
    EXPECT_EQ(value("answer"), "42");
    EXPECT_EQ(value("executed_modules.count('package.finished')"), "2");
    EXPECT_EQ(value("executed_modules.count('interrupt_dependency')"), "1");
    EXPECT_EQ(value("package is __import__('sys').modules['package']"), "True");
    EXPECT_EQ(entry_named("package").state, import_state::resolved);
}

TEST_F(interrupted_resolve_test, other_failures_leave_finished_submodules_as_python_does)
{
    write_module("failing/__init__.py", "from failing import part\nraise ValueError('broken')\n");
    write_module("failing/part.py", "ran(__name__)\n");
    run_cell("import failing");
    EXPECT_EQ(run_cell("failing.x"), "ValueError");
    EXPECT_TRUE(py::module_::import("sys").attr("modules").contains("failing.part"));
}

TEST_F(interrupted_resolve_test, an_interrupt_a_library_turned_into_its_own_error_is_rolled_back_too)
{
    write_module("wrapping/__init__.py", "from wrapping import part\n"
                                         "try:\n"
                                         "    raise KeyboardInterrupt\n"
                                         "except KeyboardInterrupt:\n"
                                         "    raise RuntimeError('Unable to configure default ndarray.__str__')\n");
    write_module("wrapping/part.py", "ran(__name__)\n");
    run_cell("import wrapping");
    EXPECT_EQ(run_cell("wrapping.x"), "RuntimeError");
    EXPECT_FALSE(py::module_::import("sys").attr("modules").contains("wrapping.part"));
}

TEST_F(interrupted_resolve_test, a_from_import_interrupted_on_its_own_first_use_is_rolled_back_too)
{
    write_interrupted_package();
    run_cell("from package import value");
    // A use the cell analysis cannot see: the placeholder resolves itself.
    EXPECT_EQ(run_cell("__import__('sys')._getframe().f_globals['val' + 'ue'] + 1"), "KeyboardInterrupt");
    EXPECT_FALSE(py::module_::import("sys").attr("modules").contains("package.finished"));
    py::module_::import("builtins").attr("interrupt_package") = false;
    EXPECT_EQ(run_cell("answer = value + 1"), "");
    EXPECT_EQ(value("answer"), "43");
}
