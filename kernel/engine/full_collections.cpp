#include "full_collections.hpp"

#include <array>
#include <optional>

#include "pybind11/pybind11.h"

namespace py = pybind11;

namespace xlazy
{
    namespace
    {
        // gc counts gen-1 collections against this; none will reach it while it is set.
        constexpr long out_of_reach = 1L << 30;

        // Young (generation-1) collections one import may run before full collections
        // resume. The heaviest library the bench imports (torch) runs about 15, so a
        // library's import stays under it; a module whose top level does a notebook's work,
        // dropping garbage that outlived the young collections, is collected as usual past
        // it instead of growing until the import ends.
        constexpr int young_collections_allowed = 20;

        int holders = 0;
        std::optional<long> saved_oldest_threshold; // set while this code holds it
        int young_collections_seen = 0;
        py::object* budget_watch = nullptr; // in gc.callbacks while held; made once, never freed

        std::optional<std::array<long, 3>> thresholds(py::handle gc)
        {
            py::tuple values = gc.attr("get_threshold")();
            if (values.size() != 3)
            {
                return std::nullopt;
            }
            return std::array<long, 3>{values[0].cast<long>(), values[1].cast<long>(), values[2].cast<long>()};
        }

        // The collector is tuning, never semantics: an error here (no gc module, a patched
        // get_threshold) leaves the threshold as it is and must not fail the import.
        template <typename Change>
        void without_failing(const char* what, Change change)
        {
            py::error_scope pending_error; // an import unwinding with its exception
            try
            {
                change(py::module_::import("gc"));
            }
            catch (py::error_already_set& error)
            {
                error.discard_as_unraisable(what);
            }
            catch (const py::cast_error&)
            {
            }
        }

        void give_back_saved_threshold()
        {
            without_failing("xlazy: restoring the collector's threshold", [](py::handle gc)
            {
                auto now = thresholds(gc);
                if (saved_oldest_threshold && now && (*now)[2] == out_of_reach)
                {
                    gc.attr("set_threshold")((*now)[0], (*now)[1], *saved_oldest_threshold);
                }
            });
            saved_oldest_threshold.reset();
        }

        // gc.callbacks entry: (phase, info) around every collection.
        void count_young_collection(py::handle phase, py::handle info)
        {
            if (!saved_oldest_threshold || !PyUnicode_Check(phase.ptr()) ||
                PyUnicode_CompareWithASCIIString(phase.ptr(), "stop") != 0 || !PyDict_Check(info.ptr()))
            {
                return;
            }
            PyObject* generation = PyDict_GetItemString(info.ptr(), "generation"); // borrowed
            if (generation != nullptr && PyLong_Check(generation) && PyLong_AsLong(generation) == 1 &&
                ++young_collections_seen >= young_collections_allowed)
            {
                give_back_saved_threshold();
            }
        }

        void watch_young_collections(bool watching)
        {
            without_failing("xlazy: watching young collections", [watching](py::handle gc)
            {
                if (budget_watch == nullptr)
                {
                    budget_watch = new py::object(py::cpp_function(&count_young_collection));
                }
                py::list callbacks = gc.attr("callbacks");
                if (watching)
                {
                    young_collections_seen = 0;
                    callbacks.append(*budget_watch);
                }
                else if (callbacks.contains(*budget_watch))
                {
                    callbacks.attr("remove")(*budget_watch);
                }
            });
        }

        void end_hold()
        {
            give_back_saved_threshold();
            watch_young_collections(false);
        }

        // A process forked while an import holds the threshold (multiprocessing's workers
        // started by a module's top level) lives on outside that import: its collector gets
        // the notebook's threshold back at once. The holders, unwound in the child or not,
        // then find nothing to restore.
        void give_back_in_forked_child()
        {
            if (holders > 0)
            {
                end_hold();
            }
        }

        void restore_in_forked_children()
        {
            static PyInterpreterState* registered_in = nullptr; // once per interpreter
            if (registered_in == PyInterpreterState_Get())
            {
                return;
            }
            without_failing("xlazy: watching for forks", [](py::handle)
            {
                py::module_::import("os").attr("register_at_fork")(
                    py::arg("after_in_child") = py::cpp_function(&give_back_in_forked_child));
            });
            registered_in = PyInterpreterState_Get();
        }
    }

    full_collections_postponed::full_collections_postponed()
    {
        if (holders++ > 0)
        {
            return;
        }
        restore_in_forked_children();
        watch_young_collections(true);
        without_failing("xlazy: postponing full collections", [](py::handle gc)
        {
            auto now = thresholds(gc);
            if (now && (*now)[2] != out_of_reach)
            {
                saved_oldest_threshold = (*now)[2];
                gc.attr("set_threshold")((*now)[0], (*now)[1], out_of_reach);
            }
        });
    }

    full_collections_postponed::~full_collections_postponed()
    {
        if (--holders > 0)
        {
            return;
        }
        end_hold();
    }
}
