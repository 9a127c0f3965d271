#include "full_collections.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <limits>
#include <optional>

#include "pybind11/pybind11.h"

namespace py = pybind11;

namespace xlazy
{
    namespace
    {
        // What the middle and oldest thresholds hold while an import runs. gc compares them
        // with counts the hold keeps far below it (the middle one counts youngest collections,
        // 250 at most within the budget; the oldest one counts middle collections, none); a
        // library that scales the thresholds it reads (`t * 64`) must stay within a C int.
        constexpr long held = 999'983;

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
        bool holding = false; // false again once the budget is spent
        // Set while the hold's first collection runs, and whether it ran: asked from inside a
        // collection (a gc callback, a finalizer), gc.collect does nothing.
        bool awaiting_first_collection = false;
        bool first_collection_ran = false;
        // The notebook's own thresholds, from the last hold's start: a library that read the
        // held ones during its import and sets them again later gets these back.
        std::optional<older_thresholds> notebooks_thresholds;
        int youngest_collections_seen = 0;
        py::object* budget_watch = nullptr; // in gc.callbacks while held; made once, never freed

        // Fetched without builtins.__import__: a wrapper there (a profiler's, a tracer's)
        // must not run, or take an interrupt, inside the collector's bookkeeping.
        py::module_ module_past_import_hooks(const char* name)
        {
            PyObject* module = PyImport_ImportModuleLevel(name, nullptr, nullptr, nullptr, 0);
            if (module == nullptr)
            {
                throw py::error_already_set();
            }
            return py::reinterpret_steal<py::module_>(module);
        }

        std::optional<std::array<long, 3>> thresholds(py::handle gc)
        {
            py::tuple values = gc.attr("get_threshold")();
            if (values.size() != 3)
            {
                return std::nullopt;
            }
            return std::array<long, 3>{values[0].cast<long>(), values[1].cast<long>(), values[2].cast<long>()};
        }

        // The collector is tuning, never semantics: an error here (a patched get_threshold)
        // leaves the thresholds as they are and must not fail the import. An interrupt that
        // lands here (in a finalizer the collection below runs) is the user's: it is raised
        // again at the next instruction instead of being reported and lost.
        template <typename Change>
        void without_failing(const char* what, Change change)
        {
            py::error_scope pending_error; // an import unwinding with its exception
            try
            {
                change(module_past_import_hooks("gc"));
            }
            catch (py::error_already_set& error)
            {
                if (error.matches(PyExc_KeyboardInterrupt))
                {
                    PyErr_SetInterrupt();
                }
                else
                {
                    error.discard_as_unraisable(what);
                }
            }
            catch (const py::cast_error&)
            {
            }
        }

        struct scaling
        {
            long multiplied_by;
            long divided_by;
        };

        // The held threshold itself, or one a library derived from it while reading it in its
        // import (`t * 2`, `t // 2`). A threshold a notebook or library chose (`100_000`, to
        // all but stop full collections) is none of these: the held value is prime, and
        // divided by more than 64 it would reach values people choose (999983 // 999 == 1000).
        std::optional<scaling> scaled_from_held(long threshold)
        {
            if (threshold >= held && threshold % held == 0)
            {
                return scaling{threshold / held, 1};
            }
            for (long divisor = 2; divisor <= 64; ++divisor)
            {
                if (threshold == held / divisor)
                {
                    return scaling{1, divisor};
                }
            }
            return std::nullopt;
        }

        // What the library meant: the notebook's threshold, scaled as it scaled the held one
        // (within the C int gc takes).
        long as_the_notebooks(long threshold, long notebooks)
        {
            auto scaled = scaled_from_held(threshold);
            if (!scaled)
            {
                return threshold;
            }
            const long long meant = static_cast<long long>(notebooks) * scaled->multiplied_by / scaled->divided_by;
            return static_cast<long>(std::min<long long>(meant, std::numeric_limits<int>::max()));
        }

        // Each held threshold goes back to the notebook's; one the imported code set itself
        // stays theirs.
        void give_back_held_thresholds(py::handle gc)
        {
            if (!notebooks_thresholds)
            {
                return; // nothing was ever held
            }
            auto now = thresholds(gc);
            if (!now || (!scaled_from_held((*now)[1]) && !scaled_from_held((*now)[2])))
            {
                return;
            }
            gc.attr("set_threshold")((*now)[0], as_the_notebooks((*now)[1], notebooks_thresholds->middle),
                                     as_the_notebooks((*now)[2], notebooks_thresholds->oldest));
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
        void move_young_objects_to_the_oldest_generation(py::handle gc)
        {
            if (gc.attr("get_freeze_count")().cast<long>() == 0)
            {
                gc.attr("freeze")();
                gc.attr("unfreeze")();
            }
        }

        // gc.callbacks entry: (phase, info) around every collection.
        void watch_collection(py::handle phase, py::handle info)
        {
            if (!PyUnicode_Check(phase.ptr()) || PyUnicode_CompareWithASCIIString(phase.ptr(), "stop") != 0 ||
                !PyDict_Check(info.ptr()))
            {
                return;
            }
            PyObject* item = PyDict_GetItemString(info.ptr(), "generation"); // borrowed
            const long generation = item != nullptr && PyLong_Check(item) ? PyLong_AsLong(item) : -1;
            if (awaiting_first_collection && generation == 1)
            {
                first_collection_ran = true;
            }
            else if (holding && generation == 0 && ++youngest_collections_seen >= youngest_collections_allowed)
            {
                holding = false;
                without_failing("xlazy: restoring the collector's thresholds", give_back_held_thresholds);
            }
        }

        // By identity: comparing with == would run the __eq__ of whatever else is listed. Every
        // copy: a library that saved gc.callbacks during its import may have put one back.
        void stop_watching(py::handle gc)
        {
            if (budget_watch == nullptr)
            {
                return;
            }
            py::list callbacks = gc.attr("callbacks");
            for (std::size_t index = callbacks.size(); index-- > 0;)
            {
                if (callbacks[index].ptr() == budget_watch->ptr() &&
                    PySequence_DelItem(callbacks.ptr(), static_cast<Py_ssize_t>(index)) != 0)
                {
                    throw py::error_already_set();
                }
            }
        }

        // The notebook's young garbage is collected first, so that only what the import
        // makes can be moved past the young collections when it ends. With the collector off
        // (gc.disable(), a first threshold of 0) nothing is collected automatically: nothing is
        // held, and the notebook's young garbage stays where its own gc.collect(1) finds it.
        // Inside a collection none can start until it ends, and that collection's young
        // objects must not be moved past it: nothing is held either.
        void start_holding(py::handle gc)
        {
            if (budget_watch == nullptr)
            {
                budget_watch = new py::object(py::cpp_function(&watch_collection));
            }
            give_back_held_thresholds(gc);
            auto before = thresholds(gc);
            if (!before || (*before)[0] == 0 || !gc.attr("isenabled")().cast<bool>())
            {
                return;
            }
            py::list(gc.attr("callbacks")).append(*budget_watch);
            first_collection_ran = false;
            awaiting_first_collection = true;
            gc.attr("collect")(1);
            awaiting_first_collection = false;
            // Read after the collection: its finalizers and callbacks may have set them.
            auto now = thresholds(gc);
            if (!first_collection_ran || !now)
            {
                stop_watching(gc);
                return;
            }
            notebooks_thresholds = older_thresholds{(*now)[1], (*now)[2]};
            youngest_collections_seen = 0;
            gc.attr("set_threshold")((*now)[0], held, held);
            holding = true;
        }

        // An import that failed leaves its half-made modules as garbage, and one that spent
        // the budget has been collected as usual since: neither moves anything. Each step
        // stands alone, so that one failing leaves the others done.
        void end_hold(bool import_finished)
        {
            const bool moving = import_finished && holding;
            holding = false;
            awaiting_first_collection = false;
            if (moving)
            {
                without_failing("xlazy: moving an import's objects to the oldest generation",
                                move_young_objects_to_the_oldest_generation);
            }
            without_failing("xlazy: restoring the collector's thresholds", give_back_held_thresholds);
            without_failing("xlazy: removing xlazy's collection watch", stop_watching);
        }

        // A process forked while an import holds the thresholds (multiprocessing's workers
        // started by a module's top level) lives on outside that import: its collector gets
        // the notebook's thresholds back at once. The holders, unwound in the child or not,
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
                module_past_import_hooks("os").attr("register_at_fork")(
                    py::arg("after_in_child") = py::cpp_function(&give_back_in_forked_child));
                registered_in = PyInterpreterState_Get();
            });
        }
    }

    full_collections_postponed::full_collections_postponed() : m_exceptions_unwinding_at_start(std::uncaught_exceptions())
    {
        if (holders++ > 0)
        {
            return;
        }
        restore_in_forked_children();
        without_failing("xlazy: postponing full collections", start_holding);
    }

    full_collections_postponed::~full_collections_postponed()
    {
        if (--holders > 0)
        {
            return;
        }
        end_hold(std::uncaught_exceptions() <= m_exceptions_unwinding_at_start);
    }

    void give_back_thresholds_left_held()
    {
        if (holders == 0 && notebooks_thresholds)
        {
            without_failing("xlazy: restoring the collector's thresholds", give_back_held_thresholds);
        }
    }
}
