#include "engine_fixture.hpp"

#include <atomic>
#include <fstream>

namespace py = pybind11;
using namespace pybind11::literals;

namespace
{
    std::atomic<int> next_package{0};
}

void engine_test::SetUp()
{
    py::module_ tempfile = py::module_::import("tempfile");
    package_dir = tempfile.attr("mkdtemp")("prefix"_a = "xlazy-engine-").cast<std::string>();
    py::module_ sys = py::module_::import("sys");
    sys.attr("path").attr("insert")(0, package_dir);
    py::module_ builtins = py::module_::import("builtins");
    builtins.attr("executed_modules") = py::list();
    builtins.attr("ran") = py::eval("lambda name: executed_modules.append(name)");
    user_ns = py::dict("__name__"_a = "__main__", "__builtins__"_a = builtins);
    engine = std::make_unique<xlazy::lazy_engine>(user_ns, xlazy::lazy_mode::cell, std::vector<std::string>{});
    ++next_package;
}

void engine_test::TearDown()
{
    user_ns.clear();
    engine.reset();
    py::module_ sys = py::module_::import("sys");
    sys.attr("path").attr("remove")(package_dir);
    // Forget the modules this test wrote, so the next test imports its own.
    py::list names = py::list(sys.attr("modules").attr("keys")());
    for (py::handle name : names)
    {
        py::object module = sys.attr("modules")[name];
        py::object file = py::getattr(module, "__file__", py::none());
        if (!file.is_none() && file.cast<std::string>().rfind(package_dir, 0) == 0)
        {
            sys.attr("modules").attr("pop")(name);
        }
    }
    py::module_::import("importlib").attr("invalidate_caches")();
    py::module_::import("shutil").attr("rmtree")(package_dir);
}

void engine_test::write_module(const std::string& relative_path, const std::string& source)
{
    py::module_ os = py::module_::import("os");
    std::string path = package_dir + "/" + relative_path;
    os.attr("makedirs")(os.attr("path").attr("dirname")(path), "exist_ok"_a = true);
    std::ofstream(path) << source;
    py::module_::import("importlib").attr("invalidate_caches")();
}

std::string engine_test::run_cell(const std::string& code, bool eager)
{
    engine->begin_cell(++cell);
    if (eager)
    {
        engine->run_cell_eagerly();
    }
    last_error_notes.clear();
    last_error_message.clear();
    std::string error;
    try
    {
        py::object module = py::module_::import("ast").attr("parse")(code);
        module = engine->transform_cell(module);
        py::object compiled = py::module_::import("builtins").attr("compile")(module, "<cell " + std::to_string(cell) + ">", "exec");
        py::module_::import("builtins").attr("exec")(compiled, user_ns);
    }
    catch (py::error_already_set& raised)
    {
        error = py::str(raised.type().attr("__name__"));
        last_error_message = py::str(raised.value());
        py::object notes = py::getattr(raised.value(), "__notes__", py::list());
        last_error_notes = py::str("\n").attr("join")(notes).cast<std::string>();
    }
    engine->end_cell();
    return error;
}

std::string engine_test::value(const std::string& expression)
{
    return py::repr(py::eval(expression, user_ns)).cast<std::string>();
}

bool engine_test::module_ran(const std::string& name)
{
    py::list executed = py::module_::import("builtins").attr("executed_modules");
    return executed.contains(py::str(name));
}

const xlazy::deferred_import& engine_test::entry_named(const std::string& name)
{
    const xlazy::deferred_import* latest = nullptr;
    for (const auto* entry : engine->imports().listed())
    {
        if (entry->name == name)
        {
            latest = entry;
        }
    }
    if (latest == nullptr)
    {
        throw std::runtime_error("no import recorded for " + name);
    }
    return *latest;
}
