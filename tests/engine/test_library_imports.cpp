// `all` mode and `__lazy_modules__`: the imports libraries run at their top level.
#include "engine_fixture.hpp"

#include <algorithm>

#include "pybind11/stl.h"

namespace py = pybind11;
using xlazy::lazy_mode;

namespace
{
    class library_imports_test : public engine_test
    {
    protected:
        void SetUp() override
        {
            engine_test::SetUp();
            engine->policy().set_mode(lazy_mode::all);
            write_module("libb.py", "ran(__name__)\nanswer = 42\n");
            write_module("libc.py", "ran(__name__)\n");
        }

        // Imports `liba` (written with `source`) in a cell and uses it, so its top level runs.
        void run_library(const std::string& source)
        {
            write_module("liba/__init__.py", "ran(__name__)\n" + source);
            ASSERT_EQ(run_cell("import liba\nliba.__doc__"), "") << last_error_message;
            ASSERT_TRUE(module_ran("liba"));
        }

        void expect_only_listed_imports_deferred()
        {
            write_module("liba/part.py", "ran(__name__)\n");
            run_library("__lazy_modules__ = ['libb', 'liba.part']\nimport libb\nimport libc\nfrom . import part\n");
            EXPECT_FALSE(module_ran("libb"));
            EXPECT_FALSE(module_ran("liba.part"));
            EXPECT_TRUE(module_ran("libc"));
            EXPECT_EQ(run_cell("liba.libb.answer"), "") << last_error_message;
            EXPECT_TRUE(module_ran("libb"));
        }

        // A function that reads `names`: what makes a library's import of them deferrable.
        static std::string read_later(const std::string& names)
        {
            return "def use():\n    return " + names + "\n";
        }

        std::vector<std::string> executed()
        {
            return py::module_::import("builtins").attr("executed_modules").cast<std::vector<std::string>>();
        }
    };
}

TEST_F(library_imports_test, a_librarys_import_of_another_package_waits_for_first_use)
{
    run_library("import libb\ndef use():\n    return libb.answer\n");
    EXPECT_FALSE(module_ran("libb"));
    EXPECT_EQ(value("type(liba.libb).__name__"), "'module'");
    EXPECT_EQ(run_cell("import sys\nin_modules = 'libb' in sys.modules"), "");
    EXPECT_EQ(value("in_modules"), "False");

    EXPECT_EQ(run_cell("result = liba.use()"), "") << last_error_message;
    EXPECT_EQ(value("result"), "42");
    EXPECT_EQ(value("sys.modules['libb'] is liba.libb"), "True");
}

TEST_F(library_imports_test, cell_mode_runs_a_librarys_imports_with_the_library)
{
    engine->policy().set_mode(lazy_mode::cell);
    run_library("import libb\n" + read_later("libb"));
    EXPECT_TRUE(module_ran("libb"));
}

TEST_F(library_imports_test, imports_inside_try_stay_eager)
{
    run_library("try:\n    import libb\nexcept ImportError:\n    libb = None\n" + read_later("libb"));
    EXPECT_TRUE(module_ran("libb"));
}

TEST_F(library_imports_test, imports_inside_with_stay_eager)
{
    run_library("import contextlib\nwith contextlib.suppress(ImportError):\n    import libb\n" + read_later("libb"));
    EXPECT_TRUE(module_ran("libb"));
}

TEST_F(library_imports_test, imports_in_functions_and_class_bodies_stay_eager)
{
    run_library("def load():\n    import libb\n    return libb\nclass Holder:\n    import libc\nloaded = load()\n");
    EXPECT_TRUE(module_ran("libb"));
    EXPECT_TRUE(module_ran("libc"));
}

TEST_F(library_imports_test, a_packages_imports_of_its_own_modules_stay_eager)
{
    write_module("liba/part.py", "ran(__name__)\n");
    write_module("liba/other.py", "ran(__name__)\n");
    run_library("from . import part\nimport liba.other\n" + read_later("part, liba"));
    EXPECT_TRUE(module_ran("liba.part"));
    EXPECT_TRUE(module_ran("liba.other"));
}

TEST_F(library_imports_test, an_excluded_module_stays_eager)
{
    engine->policy().exclude("libb");
    run_library("import libb\n" + read_later("libb"));
    EXPECT_TRUE(module_ran("libb"));
}

TEST_F(library_imports_test, import_star_stays_eager)
{
    run_library("from libb import *\n");
    EXPECT_TRUE(module_ran("libb"));
}

TEST_F(library_imports_test, lazy_modules_opts_in_in_cell_mode_even_within_a_package)
{
    engine->policy().set_mode(lazy_mode::cell);
    expect_only_listed_imports_deferred();
}

TEST_F(library_imports_test, lazy_modules_opts_in_with_deferral_off)
{
    engine->policy().set_mode(lazy_mode::off);
    expect_only_listed_imports_deferred();
}

TEST_F(library_imports_test, dotted_import_as_binds_the_submodule_and_runs_nothing)
{
    write_module("libpkg/__init__.py", "ran(__name__)\n");
    write_module("libpkg/sub.py", "ran(__name__)\nvalue = 'sub'\n");
    run_library("import libpkg.sub as s\ndef get():\n    return s.value\n");
    EXPECT_FALSE(module_ran("libpkg"));
    EXPECT_FALSE(module_ran("libpkg.sub"));
    EXPECT_EQ(value("liba.s.__name__"), "'libpkg.sub'");

    EXPECT_EQ(run_cell("got = liba.get()"), "") << last_error_message;
    EXPECT_EQ(value("got"), "'sub'");
    const auto order = executed();
    EXPECT_LT(std::find(order.begin(), order.end(), "libpkg"), std::find(order.begin(), order.end(), "libpkg.sub"));
}

TEST_F(library_imports_test, from_import_of_a_submodule_waits_and_of_a_function_does_not)
{
    write_module("libpkg/__init__.py", "ran(__name__)\ndef helper():\n    return 1\n");
    write_module("libpkg/sub.py", "ran(__name__)\nvalue = 'sub'\n");
    write_module("libother/__init__.py", "ran(__name__)\ndef helper():\n    return 1\n");
    EXPECT_EQ(run_cell("__import__('libpkg')"), "") << last_error_message;
    run_library("from libpkg import sub\nfrom libother import helper\n" + read_later("sub"));
    EXPECT_FALSE(module_ran("libpkg.sub"));
    EXPECT_TRUE(module_ran("libother"));
    EXPECT_EQ(run_cell("v = liba.sub.value"), "") << last_error_message;
    EXPECT_EQ(value("v"), "'sub'");
    EXPECT_EQ(value("liba.sub is __import__('libpkg').sub"), "True");
}

// Until the package runs, nothing tells whether `helper` will be its submodule or what its
// `__init__` binds over it (`from .helper import helper`), so the statement runs now.
TEST_F(library_imports_test, from_import_of_a_package_not_run_yet_binds_what_the_package_gives)
{
    write_module("libpkg/__init__.py", "ran(__name__)\nfrom .helper import helper\n");
    write_module("libpkg/helper.py", "ran(__name__)\ndef helper():\n    return 'function'\n");
    run_library("from libpkg import helper\n" + read_later("helper"));
    EXPECT_TRUE(module_ran("libpkg"));
    EXPECT_EQ(value("liba.helper()"), "'function'");
}

// The import system binds the submodule over the parent's attribute as the submodule
// runs; a pending submodule could not, so the library would read the attribute.
TEST_F(library_imports_test, import_of_a_submodule_a_loaded_parent_has_an_attribute_for_runs_now)
{
    write_module("libpkg/__init__.py", "ran(__name__)\nsub = 1\n");
    write_module("libpkg/sub.py", "ran(__name__)\n");
    EXPECT_EQ(run_cell("__import__('libpkg')"), "") << last_error_message;
    run_library("import libpkg.sub\n" + read_later("libpkg"));
    EXPECT_TRUE(module_ran("libpkg.sub"));
    EXPECT_EQ(value("type(liba.libpkg.sub).__name__"), "'module'");
}

// A package that puts its vendored copies on sys.path as it runs makes the library's next
// import findable; had it waited, that import would fail.
TEST_F(library_imports_test, a_failing_import_first_runs_what_the_library_deferred_and_looks_again)
{
    write_module("libvendoring/__init__.py",
                 "ran(__name__)\nimport os, sys\nsys.path.append(os.path.join(os.path.dirname(__file__), 'vendor'))\n");
    write_module("libvendoring/vendor/libvendored.py", "ran(__name__)\n");
    run_library("import libvendoring\nimport libvendored\n" + read_later("libvendoring, libvendored"));
    EXPECT_TRUE(module_ran("libvendoring"));
    EXPECT_TRUE(module_ran("libvendored"));
}

// An optional dependency the library tries in `try` is the library's to handle.
TEST_F(library_imports_test, a_failing_optional_import_leaves_what_the_library_deferred_waiting)
{
    run_library("import libb\ntry:\n    import not_a_module_anywhere_xlazy\nexcept ImportError:\n    pass\n" +
                read_later("libb"));
    EXPECT_FALSE(module_ran("libb"));
}

TEST_F(library_imports_test, a_missing_module_fails_at_the_import_line)
{
    write_module("liba/__init__.py", "import not_a_module_anywhere_xlazy\n");
    EXPECT_EQ(run_cell("import liba\nliba.__doc__"), "ModuleNotFoundError");
}

TEST_F(library_imports_test, dunder_import_called_by_code_is_not_deferred)
{
    run_library("libb = __import__('libb')\n");
    EXPECT_TRUE(module_ran("libb"));
}

TEST_F(library_imports_test, a_cell_importing_the_same_module_gets_the_same_object_and_it_runs_once)
{
    run_library("import libb\n" + read_later("libb"));
    ASSERT_FALSE(module_ran("libb"));
    EXPECT_EQ(run_cell("import libb\nanswer = libb.answer"), "") << last_error_message;
    EXPECT_EQ(value("libb is liba.libb"), "True");
    const auto order = executed();
    EXPECT_EQ(std::count(order.begin(), order.end(), "libb"), 1);
}

TEST_F(library_imports_test, what_was_deferred_is_recorded_with_its_importer_and_whether_it_ran)
{
    run_library("import libb\nimport libc\n" + read_later("libb, libc"));
    ASSERT_EQ(run_cell("liba.libb.answer"), "");
    const auto& deferred = engine->library().deferred();
    ASSERT_EQ(deferred.size(), 2u);
    EXPECT_EQ(deferred[0].module, "libb");
    EXPECT_EQ(deferred[0].importer, "liba");
    EXPECT_TRUE(deferred[0].ran);
    EXPECT_EQ(deferred[0].ran_in_cell, cell);
    EXPECT_EQ(deferred[1].module, "libc");
    EXPECT_FALSE(deferred[1].ran);
}

TEST_F(library_imports_test, a_failing_deferred_module_raises_at_first_use_and_runs_again_next_time)
{
    write_module("libb.py", "ran(__name__)\nraise RuntimeError('broken at import')\n");
    run_library("import libb\n" + read_later("libb"));
    EXPECT_EQ(run_cell("liba.libb.answer"), "RuntimeError");
    write_module("libb.py", "ran(__name__)\nanswer = 7\n");
    EXPECT_EQ(run_cell("fixed = liba.libb.answer"), "") << last_error_message;
    EXPECT_EQ(value("fixed"), "7");
}

TEST_F(library_imports_test, an_import_the_library_never_reads_runs_at_once_for_its_side_effects)
{
    write_module("libpkg/__init__.py", "ran(__name__)\n");
    write_module("libpkg/plugin.py", "ran(__name__)\n");
    run_library("import libb\nimport libc as registered\nfrom libpkg import plugin\n");
    EXPECT_TRUE(module_ran("libb"));
    EXPECT_TRUE(module_ran("libc"));
    EXPECT_TRUE(module_ran("libpkg.plugin"));
    EXPECT_TRUE(engine->library().deferred().empty());
}

TEST_F(library_imports_test, an_import_deleted_unread_runs_at_once)
{
    run_library("import libb\ndel libb\n");
    EXPECT_TRUE(module_ran("libb"));
}

// `import a.b.c as d` walks down a.b before it binds c: SWAP and POP_TOP come between the
// import and the store.
TEST_F(library_imports_test, an_alias_of_a_module_two_packages_deep_read_nowhere_runs_at_once)
{
    write_module("libpkg/__init__.py", "ran(__name__)\n");
    write_module("libpkg/mid/__init__.py", "ran(__name__)\n");
    write_module("libpkg/mid/leaf.py", "ran(__name__)\n");
    run_library("import libpkg.mid.leaf as registered\n");
    EXPECT_TRUE(module_ran("libpkg.mid.leaf"));
}

TEST_F(library_imports_test, an_alias_of_a_module_two_packages_deep_read_later_waits)
{
    write_module("libpkg/__init__.py", "ran(__name__)\n");
    write_module("libpkg/mid/__init__.py", "ran(__name__)\n");
    write_module("libpkg/mid/leaf.py", "ran(__name__)\n");
    run_library("import libpkg.mid.leaf as leaf\n" + read_later("leaf"));
    EXPECT_FALSE(module_ran("libpkg.mid.leaf"));
}

TEST_F(library_imports_test, an_alias_read_later_defers_the_import)
{
    write_module("libpkg/__init__.py", "ran(__name__)\n");
    write_module("libpkg/sub.py", "ran(__name__)\n");
    EXPECT_EQ(run_cell("__import__('libpkg')"), "") << last_error_message;
    run_library("import libb as b\nfrom libpkg import sub as part\n" + read_later("b, part"));
    EXPECT_FALSE(module_ran("libb"));
    EXPECT_FALSE(module_ran("libpkg.sub"));
}

TEST_F(library_imports_test, lazy_modules_defers_a_listed_import_even_unread)
{
    run_library("__lazy_modules__ = ['libb']\nimport libb\n");
    EXPECT_FALSE(module_ran("libb"));
}
