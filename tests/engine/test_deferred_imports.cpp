// The engine's semantics, one behaviour per test, on cells run as IPython runs them.
#include <thread>

#include "engine_fixture.hpp"

#include "engine/placeholder.hpp"

namespace py = pybind11;
using xlazy::import_state;

TEST_F(engine_test, top_level_import_binds_a_module_that_has_not_run)
{
    write_module("heavy.py", "ran(__name__)\nvalue = 41\n");
    EXPECT_EQ(run_cell("import heavy"), "");
    EXPECT_FALSE(module_ran("heavy"));
    EXPECT_EQ(value("type(heavy) is __import__('types').ModuleType"), "True");
    EXPECT_EQ(value("repr(heavy) == f\"<module 'heavy' from {heavy.__file__!r}>\""), "True");
    EXPECT_FALSE(module_ran("heavy")) << "type, repr and __file__ are not uses";
    EXPECT_EQ(entry_named("heavy").state, import_state::pending);
}

TEST_F(engine_test, a_later_cell_reading_the_name_gets_the_real_module)
{
    write_module("heavy.py", "ran(__name__)\nvalue = 41\n");
    run_cell("import heavy as h");
    EXPECT_EQ(run_cell("import sys, types\n"
                       "assert type(h) is types.ModuleType\n"
                       "assert h is sys.modules['heavy']\n"
                       "answer = h.value + 1"),
              "");
    EXPECT_EQ(value("answer"), "42");
    EXPECT_EQ(entry_named("h").state, import_state::resolved);
    EXPECT_EQ(entry_named("h").resolved_by, "cell [2]");
    EXPECT_NE(std::find(entry_named("h").modules_loaded.begin(), entry_named("h").modules_loaded.end(), "heavy"),
              entry_named("h").modules_loaded.end());
}

TEST_F(engine_test, unused_import_is_never_run)
{
    write_module("heavy.py", "ran(__name__)\n");
    run_cell("import heavy");
    run_cell("x = 1");
    run_cell("y = x + 1");
    EXPECT_FALSE(module_ran("heavy"));
    EXPECT_FALSE(py::module_::import("sys").attr("modules").contains("heavy"));
}

TEST_F(engine_test, missing_module_fails_at_the_import_line_with_pythons_message)
{
    EXPECT_EQ(run_cell("import no_such_module_anywhere"), "ModuleNotFoundError");
    EXPECT_EQ(last_error_message, "No module named 'no_such_module_anywhere'");
    EXPECT_FALSE(user_ns.contains("no_such_module_anywhere"));
}

TEST_F(engine_test, missing_submodule_fails_at_the_import_line)
{
    write_module("pkg/__init__.py", "ran(__name__)\n");
    EXPECT_EQ(run_cell("import pkg.missing"), "ModuleNotFoundError");
    EXPECT_EQ(last_error_message, "No module named 'pkg.missing'");
}

TEST_F(engine_test, import_used_later_in_the_same_cell_runs_at_once)
{
    write_module("heavy.py", "ran(__name__)\nvalue = 1\n");
    EXPECT_EQ(run_cell("import heavy\nresult = heavy.value"), "");
    EXPECT_TRUE(module_ran("heavy"));
    EXPECT_EQ(entry_named("heavy").state, import_state::eager);
    EXPECT_EQ(entry_named("heavy").reason, "used later in the same cell");
}

TEST_F(engine_test, imports_inside_compound_statements_stay_eager)
{
    write_module("in_if.py", "ran(__name__)\n");
    write_module("in_try.py", "ran(__name__)\n");
    write_module("in_with.py", "ran(__name__)\n");
    write_module("in_loop.py", "ran(__name__)\n");
    run_cell("if True:\n    import in_if\n"
             "try:\n    import in_try\nexcept ImportError:\n    pass\n"
             "import contextlib\nwith contextlib.nullcontext():\n    import in_with\n"
             "for _ in range(1):\n    import in_loop\n");
    for (const char* name : {"in_if", "in_try", "in_with", "in_loop"})
    {
        EXPECT_TRUE(module_ran(name)) << name;
    }
}

TEST_F(engine_test, import_inside_a_function_runs_when_called)
{
    write_module("inner.py", "ran(__name__)\nvalue = 3\n");
    run_cell("def use():\n    import inner\n    return inner.value");
    EXPECT_FALSE(module_ran("inner"));
    run_cell("result = use()");
    EXPECT_EQ(value("result"), "3");
}

TEST_F(engine_test, from_import_of_a_class_works_with_isinstance)
{
    write_module("shapes.py", "ran(__name__)\nclass Circle:\n    pass\n");
    run_cell("from shapes import Circle");
    EXPECT_FALSE(module_ran("shapes"));
    run_cell("c = Circle()\nok = isinstance(c, Circle)");
    EXPECT_EQ(value("ok"), "True");
    EXPECT_EQ(value("type(Circle).__name__"), "'type'");
}

TEST_F(engine_test, star_and_future_imports_are_not_deferred)
{
    write_module("stars.py", "ran(__name__)\nshine = 1\n");
    EXPECT_EQ(run_cell("from __future__ import annotations\nfrom stars import *"), "");
    EXPECT_TRUE(module_ran("stars"));
    EXPECT_EQ(value("shine"), "1");
    EXPECT_EQ(entry_named("*").reason, "`import *` needs the module's names now");
}

TEST_F(engine_test, already_imported_module_binds_at_once)
{
    run_cell("import os");
    EXPECT_EQ(value("type(os).__name__"), "'module'");
    EXPECT_EQ(entry_named("os").state, import_state::eager);
    EXPECT_EQ(entry_named("os").reason, "already imported");
}

TEST_F(engine_test, excluded_module_is_imported_eagerly_with_the_reason)
{
    write_module("registers.py", "ran(__name__)\n");
    engine->policy().exclude("registers");
    run_cell("import registers");
    EXPECT_TRUE(module_ran("registers"));
    EXPECT_EQ(entry_named("registers").state, import_state::eager);
    EXPECT_EQ(entry_named("registers").reason, "excluded (registers): excluded by you");
}

TEST_F(engine_test, excluded_submodule_named_in_a_from_import_is_eager)
{
    write_module("kit/__init__.py", "ran(__name__)\n");
    write_module("kit/enable_feature.py", "ran(__name__)\n");
    engine->policy().exclude("kit.enable_feature");
    run_cell("from kit import enable_feature");
    EXPECT_TRUE(module_ran("kit.enable_feature"));
    EXPECT_EQ(entry_named("enable_feature").state, import_state::eager);
}

TEST_F(engine_test, default_exclusions_are_imported_eagerly)
{
    EXPECT_TRUE(engine->policy().exclusion_reason("sklearn.experimental.enable_iterative_imputer"));
    EXPECT_TRUE(engine->policy().exclusion_reason("this"));
}

TEST_F(engine_test, exclusion_covers_submodules_and_can_be_lifted)
{
    engine->policy().exclude("pkg");
    EXPECT_TRUE(engine->policy().exclusion_reason("pkg.sub.deep"));
    EXPECT_FALSE(engine->policy().exclusion_reason("pkgother"));
    EXPECT_TRUE(engine->policy().include("pkg"));
    EXPECT_FALSE(engine->policy().exclusion_reason("pkg.sub"));
    EXPECT_FALSE(engine->policy().include("pkg"));
}

TEST_F(engine_test, names_are_resolved_through_functions_defined_earlier)
{
    write_module("heavy.py", "ran(__name__)\nvalue = 5\n");
    run_cell("import heavy");
    run_cell("def helper():\n    return heavy.value\n"
             "def outer():\n    return helper() * 2");
    EXPECT_FALSE(module_ran("heavy"));
    run_cell("result = outer()");
    EXPECT_EQ(value("result"), "10");
    EXPECT_EQ(entry_named("heavy").resolved_by, "cell [3]");
}

TEST_F(engine_test, names_are_resolved_through_methods_of_earlier_classes)
{
    write_module("heavy.py", "ran(__name__)\nvalue = 7\n");
    run_cell("import heavy");
    run_cell("class Model:\n    def score(self):\n        return heavy.value\nm = Model()");
    EXPECT_FALSE(module_ran("heavy"));
    run_cell("result = m.score()");
    EXPECT_EQ(value("result"), "7");
    EXPECT_EQ(entry_named("heavy").resolved_by, "cell [3]");
}

TEST_F(engine_test, code_reading_the_whole_namespace_gets_every_import_resolved_first)
{
    write_module("heavy.py", "ran(__name__)\n");
    write_module("shapes.py", "ran(__name__)\nclass Circle:\n    pass\n");
    run_cell("import heavy\nfrom shapes import Circle");
    EXPECT_EQ(run_cell("snapshot = dict(globals())"), "");
    EXPECT_TRUE(module_ran("heavy"));
    EXPECT_EQ(value("snapshot['Circle'] is Circle and snapshot['heavy'] is heavy"), "True");
    EXPECT_EQ(value("isinstance(snapshot['Circle'], type)"), "True");
}

TEST_F(engine_test, names_in_magic_arguments_are_resolved_before_the_cell)
{
    write_module("heavy.py", "ran(__name__)\nvalue = 2\n");
    run_cell("import heavy");
    py::module_::import("builtins").attr("get_ipython") =
        py::eval("lambda: __import__('types').SimpleNamespace(run_line_magic=lambda name, line: None)");
    run_cell("get_ipython().run_line_magic('pinfo', 'heavy.value')");
    EXPECT_EQ(entry_named("heavy").state, import_state::resolved);
    EXPECT_EQ(entry_named("heavy").resolved_by, "cell [2]");

    write_module("other.py", "ran(__name__)\n");
    run_cell("import other");
    run_cell("get_ipython().run_line_magic('lazy', 'resolve other')");
    py::module_::import("builtins").attr("__delattr__")("get_ipython");
    EXPECT_EQ(entry_named("other").state, import_state::pending) << "%lazy arguments are names, not code";
}

TEST_F(engine_test, use_the_analysis_cannot_see_resolves_on_first_use)
{
    write_module("heavy.py", "ran(__name__)\nvalue = 9\n");
    run_cell("import heavy");
    EXPECT_EQ(run_cell("result = __import__('sys')._getframe().f_globals['heav' + 'y'].value"), "");
    EXPECT_EQ(value("result"), "9");
    EXPECT_EQ(entry_named("heavy").resolved_by, "first use in cell [2]");
    EXPECT_EQ(value("type(heavy).__name__"), "'module'");
}

TEST_F(engine_test, probing_a_pending_module_for_what_it_lacks_neither_runs_it_nor_differs_from_python)
{
    write_module("heavy.py", "ran(__name__)\nvalue = 9\n");
    run_cell("import heavy");
    // Read as IPython's display machinery reads it, outside any cell's analysis.
    EXPECT_EQ(value("hasattr(heavy, '_repr_html_'), hasattr(heavy, '__path__')"), "(False, False)");
    py::exec("try:\n    heavy._ipython_display_\nexcept AttributeError as error:\n    message = str(error)\n",
             user_ns);
    EXPECT_EQ(value("message"), "\"module 'heavy' has no attribute '_ipython_display_'\"");
    EXPECT_FALSE(module_ran("heavy"));
}

TEST_F(engine_test, a_pending_module_probing_itself_as_it_runs_sees_what_it_has_so_far)
{
    write_module("heavy.py", "import sys\n"
                             "ran(__name__)\n"
                             "early = hasattr(sys.modules[__name__], 'value')\n"
                             "value = 9\n"
                             "late = hasattr(sys.modules[__name__], 'value')\n");
    run_cell("import heavy");
    EXPECT_EQ(run_cell("seen = heavy.early, heavy.late"), "");
    EXPECT_EQ(value("seen"), "(False, True)");
}

TEST_F(engine_test, a_library_importing_a_pending_module_gets_the_same_object)
{
    write_module("heavy.py", "ran(__name__)\nvalue = 9\n");
    run_cell("import heavy");
    EXPECT_EQ(run_cell("module = __import__('importlib').import_module('heav' + 'y')"), "");
    EXPECT_EQ(value("module is heavy"), "True");
    EXPECT_EQ(entry_named("heavy").state, import_state::resolved);
    EXPECT_EQ(entry_named("heavy").resolved_by, "imported by other code in cell [2]");
}

TEST_F(engine_test, every_kind_of_use_resolves_a_placeholder_reached_indirectly)
{
    write_module("things.py",
                 "ran(__name__)\n"
                 "class Base:\n    kind = 'base'\n"
                 "numbers = [1, 2, 3]\n"
                 "def double(x):\n    return 2 * x\n"
                 "scale = 10\n"
                 "table = {'a': 1}\n");
    run_cell("from things import Base, numbers, double, scale, table");
    // Reached only through eval, so each use meets the placeholder itself.
    const char* uses[][2] = {
        {"eval('double')(4)", "8"},
        {"eval('scale') * 3", "30"},
        {"-eval('scale')", "-10"},
        {"list(eval('numbers'))", "[1, 2, 3]"},
        {"2 in eval('numbers')", "True"},
        {"len(eval('numbers'))", "3"},
        {"eval('table')['a']", "1"},
        {"f'{eval(\"scale\"):05d}'", "'00010'"},
    };
    for (const auto& use : uses)
    {
        EXPECT_EQ(run_cell(std::string("result = ") + use[0]), "") << use[0];
        EXPECT_EQ(value("result"), use[1]) << use[0];
    }
    EXPECT_EQ(run_cell("class Derived(eval('Base')):\n    pass\nresult = Derived.__mro__[1].__name__"), "");
    EXPECT_EQ(value("result"), "'Base'");
}

TEST_F(engine_test, failed_resolve_raises_the_original_error_with_a_note_and_stays_pending)
{
    write_module("broken.py", "ran(__name__)\nraise ValueError('bad configuration')\n");
    run_cell("x = 1\nimport broken");
    EXPECT_EQ(run_cell("broken.anything"), "ValueError");
    EXPECT_EQ(last_error_message, "bad configuration");
    EXPECT_NE(last_error_notes.find("`import broken` (cell [1], line 2)"), std::string::npos) << last_error_notes;
    EXPECT_EQ(entry_named("broken").state, import_state::failed);
    EXPECT_FALSE(py::module_::import("sys").attr("modules").contains("broken"));
    EXPECT_EQ(value("type(broken).__name__"), "'module'");

    write_module("broken.py", "ran(__name__)\nfixed = True\n");
    EXPECT_EQ(run_cell("ok = broken.fixed"), "");
    EXPECT_EQ(value("ok"), "True");
    EXPECT_EQ(entry_named("broken").state, import_state::resolved);
}

TEST_F(engine_test, keyboard_interrupt_during_resolve_leaves_things_consistent)
{
    write_module("slow.py", "ran(__name__)\nraise KeyboardInterrupt\n");
    run_cell("import slow");
    EXPECT_EQ(run_cell("slow.x"), "KeyboardInterrupt");
    EXPECT_FALSE(py::module_::import("sys").attr("modules").contains("slow"));
    EXPECT_EQ(value("type(slow).__name__"), "'module'");
    EXPECT_EQ(entry_named("slow").state, import_state::failed);
}

TEST_F(engine_test, rebinding_or_deleting_a_pending_name_drops_it)
{
    write_module("one.py", "ran(__name__)\n");
    write_module("two.py", "ran(__name__)\n");
    run_cell("import one\nimport two");
    run_cell("one = 'mine'\ndel two");
    EXPECT_EQ(entry_named("one").state, import_state::dropped);
    EXPECT_EQ(entry_named("one").reason, "rebound in cell [2]");
    EXPECT_EQ(entry_named("two").reason, "deleted in cell [2]");
    EXPECT_FALSE(module_ran("one"));
    EXPECT_FALSE(module_ran("two"));
    EXPECT_EQ(value("one"), "'mine'");
}

TEST_F(engine_test, importing_the_same_thing_twice_is_idempotent)
{
    write_module("heavy.py", "ran(__name__)\n");
    run_cell("import heavy");
    run_cell("import heavy");
    EXPECT_EQ(engine->imports().listed().size(), 1u);
    EXPECT_EQ(engine->imports().pending_ids().size(), 1u);
}

TEST_F(engine_test, two_submodules_of_one_package_are_both_imported)
{
    write_module("pkg/__init__.py", "ran(__name__)\n");
    write_module("pkg/left.py", "ran(__name__)\nside = 'L'\n");
    write_module("pkg/right.py", "ran(__name__)\nside = 'R'\n");
    run_cell("import pkg.left\nimport pkg.right");
    EXPECT_FALSE(module_ran("pkg"));
    run_cell("sides = pkg.left.side + pkg.right.side");
    EXPECT_EQ(value("sides"), "'LR'");
}

TEST_F(engine_test, eager_cell_runs_imports_at_once)
{
    write_module("heavy.py", "ran(__name__)\n");
    run_cell("import heavy", /*eager=*/true);
    EXPECT_TRUE(module_ran("heavy"));
    EXPECT_EQ(entry_named("heavy").reason, "%%eager cell");
}

TEST_F(engine_test, off_mode_leaves_imports_alone)
{
    write_module("heavy.py", "ran(__name__)\n");
    engine->policy().set_mode(xlazy::lazy_mode::off);
    run_cell("import heavy");
    EXPECT_TRUE(module_ran("heavy"));
    EXPECT_TRUE(engine->imports().listed().empty());
}

TEST_F(engine_test, two_threads_touching_one_pending_name_get_one_module)
{
    write_module("slowly.py", "ran(__name__)\nimport time\ntime.sleep(0.2)\nmarker = 1\n");
    run_cell("import slowly");
    EXPECT_EQ(run_cell("import threading\n"
                       "seen = []\n"
                       "def touch():\n"
                       "    seen.append(globals()['slowly'].marker and __import__('sys').modules['slowly'])\n"
                       "workers = [threading.Thread(target=touch) for _ in range(2)]\n"
                       "[w.start() for w in workers]\n"
                       "[w.join() for w in workers]\n"),
              "");
    EXPECT_EQ(value("len(seen) == 2 and seen[0] is seen[1]"), "True");
    py::list executed = py::module_::import("builtins").attr("executed_modules");
    EXPECT_EQ(executed.attr("count")("slowly").cast<int>(), 1);
}

// Each thread's placeholder resolution ends with the same object: the placeholder keeps one
// reference to it however many threads got there, or the object never dies.
TEST_F(engine_test, two_threads_resolving_one_from_import_leave_no_extra_reference)
{
    const std::string module = "import time\nclass Value:\n    tag = 1\ntime.sleep(0.2)\nvalue = Value()\n";
    write_module("slow_one.py", module);
    write_module("slow_two.py", module);
    // Threads reach the names through a namespace the cell's analysis does not see.
    write_module("toucher.py", "import builtins, threading\n"
                               "def in_threads(name, count):\n"
                               "    touch = lambda: builtins.namespace_under_test[name].tag\n"
                               "    workers = [threading.Thread(target=touch) for _ in range(count)]\n"
                               "    [w.start() for w in workers]\n"
                               "    [w.join() for w in workers]\n");
    py::module_::import("builtins").attr("namespace_under_test") = user_ns;
    run_cell("from slow_one import value as by_one_thread\nfrom slow_two import value as by_two_threads");
    EXPECT_EQ(run_cell("import sys, toucher\ntoucher.in_threads('by_one_thread', 1)\ntoucher.in_threads('by_two_threads', 2)"), "")
        << last_error_message;
    py::delattr(py::module_::import("builtins"), "namespace_under_test");
    EXPECT_EQ(value("sys.getrefcount(sys.modules['slow_two'].value) - sys.getrefcount(sys.modules['slow_one'].value)"), "0");
}

TEST_F(engine_test, reset_clears_the_listed_imports)
{
    write_module("heavy.py", "ran(__name__)\n");
    run_cell("import heavy");
    user_ns.clear();
    engine->forget_all();
    EXPECT_TRUE(engine->imports().listed().empty());
    EXPECT_TRUE(engine->imports().pending_ids().empty());
}

TEST_F(engine_test, a_function_defined_and_called_in_one_cell_catches_a_from_imported_exception)
{
    write_module("stats.py", "ran(__name__)\nclass StatsError(Exception):\n    pass\n"
                             "def mean(values):\n    raise StatsError('empty')\n");
    EXPECT_EQ(run_cell("import stats\nfrom stats import StatsError\n"
                       "def safe_mean():\n"
                       "    try:\n        return stats.mean([])\n"
                       "    except StatsError:\n        return 'caught'\n"
                       "result = safe_mean()"),
              "");
    EXPECT_EQ(value("result"), "'caught'");
    EXPECT_EQ(entry_named("StatsError").reason, "used later in the same cell");
}

TEST_F(engine_test, a_function_body_in_a_later_cell_gets_its_from_imports_resolved)
{
    write_module("stats.py", "ran(__name__)\nclass StatsError(Exception):\n    pass\n");
    run_cell("from stats import StatsError");
    EXPECT_EQ(run_cell("def check(error):\n    return isinstance(error, StatsError)\n"), "");
    EXPECT_EQ(entry_named("StatsError").state, import_state::resolved);
    EXPECT_EQ(value("type(StatsError).__name__"), "'type'");
}

TEST_F(engine_test, wrapped_and_decorated_functions_lead_to_what_they_wrap)
{
    write_module("shapes.py", "ran(__name__)\nclass Circle:\n    pass\nclass Square:\n    pass\n"
                              "class Line:\n    pass\n");
    // Defined before the import, so that the definitions themselves resolve nothing.
    run_cell("import functools\n"
             "@functools.lru_cache\n"
             "def cached(x):\n    return isinstance(x, Circle)\n"
             "def logged(function):\n"
             "    @functools.wraps(function)\n"
             "    def wrapper(*args):\n        return function(*args)\n"
             "    return wrapper\n"
             "def plain(function):\n"
             "    def wrapper(*args):\n        return function(*args)\n"
             "    return wrapper\n"
             "@logged\ndef checked(x):\n    return type(x) is Square\n"
             "@plain\ndef bare(x):\n    return type(x) is Line\n");
    run_cell("from shapes import Circle, Square, Line");
    EXPECT_EQ(entry_named("Circle").state, import_state::pending);
    EXPECT_EQ(run_cell("results = (cached(1), checked(2), bare(3))"), "");
    EXPECT_EQ(entry_named("Circle").state, import_state::resolved);
    EXPECT_EQ(entry_named("Square").state, import_state::resolved);
    EXPECT_EQ(entry_named("Line").state, import_state::resolved);
    EXPECT_EQ(entry_named("Line").resolved_by, "cell [3]");
}

TEST_F(engine_test, functions_held_in_containers_and_instances_are_followed)
{
    write_module("shapes.py", "ran(__name__)\nclass Circle:\n    pass\n");
    run_cell("def is_circle(x):\n    return isinstance(x, Circle)\n"
             "class Holder:\n    pass\nholder = Holder()\nholder.check = is_circle\nhandlers = {'c': [is_circle]}");
    run_cell("from shapes import Circle");
    run_cell("ok = holder.check(1) or handlers['c'][0](2)");
    EXPECT_EQ(value("ok"), "False");
    EXPECT_EQ(entry_named("Circle").resolved_by, "cell [3]");
}

TEST_F(engine_test, an_object_whose_class_lookup_raises_never_fails_the_analysis)
{
    write_module("heavy.py", "ran(__name__)\nvalue = 3\n");
    run_cell("import heavy\n");
    run_cell("class Proxy:\n"
             "    @property\n"
             "    def __class__(self):\n        raise RuntimeError('working outside of a request')\n"
             "    def __getattr__(self, name):\n        raise RuntimeError('working outside of a request')\n"
             "proxy = Proxy()\n");
    EXPECT_EQ(run_cell("seen = (proxy is not None, heavy.value)"), "");
    EXPECT_EQ(value("seen"), "(True, 3)");
}

TEST_F(engine_test, a_package_carries_the_submodules_imported_through_it)
{
    write_module("kit/__init__.py", "ran(__name__)\n");
    write_module("kit/datasets.py", "ran(__name__)\ndef load():\n    return 'iris'\n");
    write_module("kit/deep/__init__.py", "ran(__name__)\n");
    write_module("kit/deep/leaf.py", "ran(__name__)\nname = 'leaf'\n");
    run_cell("from kit import datasets");
    run_cell("import kit.deep.leaf as leaf");
    run_cell("import kit");
    EXPECT_FALSE(module_ran("kit"));
    EXPECT_EQ(run_cell("found = (kit.datasets.load(), kit.deep.leaf.name, leaf is kit.deep.leaf)"), "");
    EXPECT_EQ(value("found"), "('iris', 'leaf', True)");
}

TEST_F(engine_test, a_submodule_of_an_imported_package_is_attached_and_runs_when_touched)
{
    write_module("kit/__init__.py", "ran(__name__)\n");
    write_module("kit/extra.py", "ran(__name__)\nname = 'extra'\n");
    run_cell("import kit\nkit_loaded = kit.__name__");
    ASSERT_TRUE(module_ran("kit"));
    run_cell("import kit.extra");
    EXPECT_FALSE(module_ran("kit.extra"));
    EXPECT_EQ(run_cell("name = __import__('sys')._getframe().f_globals['kit'].extra.name"), "");
    EXPECT_EQ(value("name"), "'extra'");
    EXPECT_EQ(entry_named("kit").state, import_state::resolved);
}

TEST_F(engine_test, the_module_found_at_the_import_line_is_the_one_that_runs)
{
    write_module("first/probe_module.py", "ran(__name__)\nwhere = 'first'\n");
    write_module("second/probe_module.py", "ran(__name__)\nwhere = 'second'\n");
    py::list path = py::module_::import("sys").attr("path");
    path.insert(0, package_dir + "/first");
    run_cell("import probe_module");
    path.attr("remove")(package_dir + "/first");
    path.insert(0, package_dir + "/second");
    EXPECT_EQ(run_cell("where = probe_module.where"), "");
    path.attr("remove")(package_dir + "/second");
    EXPECT_EQ(value("where"), "'first'");
}

TEST_F(engine_test, a_module_runs_with_the_warnings_filters_of_its_import_line_and_keeps_its_own)
{
    write_module("noisy.py", "ran(__name__)\nimport warnings\n"
                             "warnings.warn('imported', UserWarning)\n"
                             "warnings.filterwarnings('ignore', message='from noisy')\n");
    py::module_ warnings = py::module_::import("warnings");
    py::object saved = py::reinterpret_steal<py::object>(PySequence_List(warnings.attr("filters").ptr()));
    run_cell("import warnings\nwarnings.simplefilter('error', UserWarning)\nimport noisy");
    run_cell("warnings.simplefilter('ignore', UserWarning)");
    EXPECT_EQ(run_cell("noisy.__doc__ is None or noisy.anything"), "UserWarning") << "raised as at the import line";
    EXPECT_EQ(run_cell("warnings.simplefilter('default', UserWarning)\nrestored = warnings.filters[0][0]"), "");
    EXPECT_EQ(value("restored"), "'default'");
    warnings.attr("filters").attr("__setitem__")(py::slice(py::none(), py::none(), py::none()), saved);
    warnings.attr("_filters_mutated")();
}

TEST_F(engine_test, a_failed_module_keeps_its_identity_when_retried)
{
    write_module("flaky.py", "ran(__name__)\nraise ValueError('not yet')\n");
    run_cell("import flaky");
    const std::string first = value("id(flaky)");
    EXPECT_EQ(run_cell("flaky.x"), "ValueError");
    write_module("flaky.py", "ran(__name__)\nx = 5\n");
    EXPECT_EQ(run_cell("x = flaky.x"), "");
    EXPECT_EQ(value("x"), "5");
    EXPECT_EQ(value("id(flaky)"), first);
}
