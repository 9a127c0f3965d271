#include "full_collections.hpp"

#include <array>
#include <exception>
#include <optional>

#include "pybind11/pybind11.h"

namespace py = pybind11;

namespace xlazy
{
    namespace
    {
        // gc compares its collection counts against these; none will reach them while set.
        constexpr long out_of_reach = 1L << 30;

        // Collections of the youngest generation one import may run before the older ones
        // resume. The heaviest library the bench imports (torch) runs about 160, so a
        // library's import stays under it; a module whose top level does a notebook's work,
        // dropping garbage that outlived the youngest collections, is collected as usual past
        // it instead of growing until the import ends.
        constexpr int youngest_collections_allowed = 250;

        struct older_thresholds
        {
            long middle;
            long oldest;
        };

        int holders = 0;
        std::optional<older_thresholds> saved_thresholds; // set while this code holds them
        int youngest_collections_seen = 0;
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

        bool held_by_us(const std::optional<std::array<long, 3>>& now)
        {
            return now && (*now)[1] == out_of_reach && (*now)[2] == out_of_reach;
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

        void give_back_saved_thresholds()
        {
            without_failing("xlazy: restoring the collector's thresholds", [](py::handle gc)
            {
                auto now = thresholds(gc);
                if (saved_thresholds && held_by_us(now))
                {
                    gc.attr("set_threshold")((*now)[0], saved_thresholds->middle, saved_thresholds->oldest);
                }
            });
            saved_thresholds.reset();
        }

        // What a finished import made and still holds is the program's from now on: functions,
        // classes, module dictionaries. Left in the younger generations, the next middle
        // collection would traverse all of it and count it towards the next full collection,
        // which would then traverse the whole heap once per library imported (four times in a
        // notebook importing seven heavy libraries, 0.5 s). gc.freeze() then gc.unfreeze()
        // moves it into the oldest generation uncounted, so the next full collection comes when
        // the notebook's own survivors call for it, and then collects the import's cyclic
        // garbage too. Objects a cell froze itself (before forking) must stay frozen: with any
        // frozen, nothing moves.
        void move_young_objects_to_the_oldest_generation()
        {
            without_failing("xlazy: moving an import's objects to the oldest generation", [](py::handle gc)
            {
                if (gc.attr("get_freeze_count")().cast<long>() == 0)
                {
                    gc.attr("freeze")();
                    gc.attr("unfreeze")();
                }
            });
        }

        // gc.callbacks entry: (phase, info) around every collection.
        void count_youngest_collection(py::handle phase, py::handle info)
        {
            if (!saved_thresholds || !PyUnicode_Check(phase.ptr()) ||
                PyUnicode_CompareWithASCIIString(phase.ptr(), "stop") != 0 || !PyDict_Check(info.ptr()))
            {
                return;
            }
            PyObject* generation = PyDict_GetItemString(info.ptr(), "generation"); // borrowed
            if (generation != nullptr && PyLong_Check(generation) && PyLong_AsLong(generation) == 0 &&
                ++youngest_collections_seen >= youngest_collections_allowed)
            {
                give_back_saved_thresholds();
            }
        }

        void watch_youngest_collections(bool watching)
        {
            without_failing("xlazy: watching young collections", [watching](py::handle gc)
            {
                if (budget_watch == nullptr)
                {
                    budget_watch = new py::object(py::cpp_function(&count_youngest_collection));
                }
                py::list callbacks = gc.attr("callbacks");
                if (watching)
                {
                    youngest_collections_seen = 0;
                    callbacks.append(*budget_watch);
                }
                else if (callbacks.contains(*budget_watch))
                {
                    callbacks.attr("remove")(*budget_watch);
                }
            });
        }

        // An import that failed leaves its half-made modules as garbage, and one that spent
        // the budget has been collected as usual since: neither moves anything.
        void end_hold(bool import_finished_within_budget)
        {
            if (import_finished_within_budget && saved_thresholds)
            {
                move_young_objects_to_the_oldest_generation();
            }
            give_back_saved_thresholds();
            watch_youngest_collections(false);
        }

        // A process forked while an import holds the threshold (multiprocessing's workers
        // started by a module's top level) lives on outside that import: its collector gets
        // the notebook's threshold back at once. The holders, unwound in the child or not,
        // then find nothing to restore.
        void give_back_in_forked_child()
        {
            if (holders > 0)
            {
                end_hold(false);
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
        watch_youngest_collections(true);
        without_failing("xlazy: postponing full collections", [](py::handle gc)
        {
            auto now = thresholds(gc);
            if (now && !held_by_us(now))
            {
                saved_thresholds = older_thresholds{(*now)[1], (*now)[2]};
                gc.attr("set_threshold")((*now)[0], out_of_reach, out_of_reach);
            }
        });
    }

    full_collections_postponed::~full_collections_postponed()
    {
        if (--holders > 0)
        {
            return;
        }
        end_hold(std::uncaught_exceptions() == 0);
    }
}
