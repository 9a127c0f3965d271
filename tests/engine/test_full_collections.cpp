// While a deferred import runs, the collector's middle and full collections wait, and what the
// import made joins the oldest generation without calling for a full collection; everything
// else about collection stays as the notebook set it.
#include "engine_fixture.hpp"

namespace py = pybind11;

namespace
{
    class full_collections_test : public engine_test
    {
    protected:
        void SetUp() override
        {
            engine_test::SetUp();
            saved = py::module_::import("gc").attr("get_threshold")();
            run_cell("import gc\ngc.set_threshold(700, 10, 10)");
        }

        void TearDown() override
        {
            py::module_::import("gc").attr("set_threshold")(*saved);
            engine_test::TearDown();
        }

        // A module that records the thresholds it ran under, as `seen`.
        void write_recording_module(const std::string& path, const std::string& rest = "")
        {
            write_module(path, "import gc\nran(__name__)\nseen = gc.get_threshold()\nvalue = 1\n" + rest);
        }

        // The notebook's thresholds after a deferred import of a module that imports gc and
        // then runs `source` (or why its import failed).
        std::string thresholds_after_importing(const std::string& module, const std::string& source)
        {
            write_module(module + ".py", "import gc\n" + source);
            run_cell("import " + module);
            if (!run_cell(module + ".gc").empty())
            {
                return "import failed: " + last_error_message;
            }
            return value("gc.get_threshold()");
        }

        py::tuple saved;
    };
}

TEST_F(full_collections_test, a_deferred_module_runs_with_the_older_generations_out_of_reach)
{
    write_recording_module("recorder.py");
    run_cell("import recorder");
    ASSERT_EQ(run_cell("seen = recorder.seen"), "") << last_error_message;
    EXPECT_EQ(value("seen[0]"), "700");
    EXPECT_EQ(value("seen[1] > 10**5 and seen[2] > 10**5"), "True")
        << "older generations could be collected during the import: " << value("seen");
    EXPECT_EQ(value("gc.get_threshold()"), "(700, 10, 10)");
}

TEST_F(full_collections_test, a_deferred_from_import_runs_with_the_oldest_generation_out_of_reach)
{
    write_recording_module("recorder.py");
    run_cell("from recorder import seen");
    ASSERT_EQ(run_cell("seen_now = tuple(seen)"), "") << last_error_message;
    EXPECT_EQ(value("seen_now[2] > 10**5"), "True") << value("seen_now");
    EXPECT_EQ(value("gc.get_threshold()"), "(700, 10, 10)");
}

TEST_F(full_collections_test, an_import_inside_a_deferred_import_restores_only_at_the_outermost)
{
    write_recording_module("inner.py");
    write_recording_module("outer.py", "import inner\ninner_seen = inner.seen\nafter_inner = gc.get_threshold()\n");
    run_cell("import outer");
    ASSERT_EQ(run_cell("outer.value"), "") << last_error_message;
    EXPECT_EQ(value("outer.after_inner"), value("outer.seen"));
    EXPECT_EQ(value("outer.after_inner[2] > 10**5"), "True") << value("outer.after_inner");
    EXPECT_EQ(value("gc.get_threshold()"), "(700, 10, 10)");
}

// Counted as survivors, the 100,000 lists below would have called for a full collection at
// the first middle collection after the import (13 middle collections ran during it under
// the old hold, and survivors far above a quarter of the heap).
TEST_F(full_collections_test, what_a_deferred_import_made_joins_the_oldest_generation_without_a_full_collection)
{
    write_module("bulky.py", "kept = [[] for _ in range(100000)]\nmarker = []\n");
    run_cell("import bulky\n"
             "gc.collect()\n"
             "collected = []\n"
             "def heard(phase, info):\n"
             "    if phase == 'stop':\n"
             "        collected.append(info['generation'])\n"
             "gc.callbacks.append(heard)");
    ASSERT_EQ(run_cell("during = len(bulky.kept)"), "") << last_error_message;
    // One: the notebook's young garbage, collected as the import starts.
    EXPECT_EQ(value("collected.count(1)"), "1") << value("collected");
    EXPECT_EQ(value("any(o is bulky.marker for o in gc.get_objects(2))"), "True");
    ASSERT_EQ(run_cell("more = [[] for _ in range(20000)]"), "") << last_error_message;
    run_cell("gc.callbacks.remove(heard)");
    EXPECT_EQ(value("collected.count(2)"), "0") << value("collected");
    EXPECT_EQ(value("collected.count(1) > 0"), "True") << value("collected");
}

TEST_F(full_collections_test, objects_a_cell_froze_stay_frozen_and_the_imports_are_not_frozen)
{
    write_module("bulky.py", "kept = [[] for _ in range(1000)]\n");
    run_cell("import bulky\ngc.freeze()\nfrozen = gc.get_freeze_count()");
    ASSERT_EQ(run_cell("during = len(bulky.kept)"), "") << last_error_message;
    // Frozen objects a cell dropped since leave the count: it may fall, never rise or empty.
    EXPECT_EQ(value("0 < gc.get_freeze_count() <= frozen"), "True") << value("(gc.get_freeze_count(), frozen)");
    run_cell("gc.unfreeze()");
}

// A failed import's half-made module is garbage; left where it is, the next middle collection
// frees it, as after an eager import that failed.
TEST_F(full_collections_test, a_failed_import_leaves_its_garbage_to_the_young_collections)
{
    write_module("broken_cycle.py", "import sys, weakref\n"
                                    "class Node:\n"
                                    "    pass\n"
                                    "node = Node()\n"
                                    "node.me = node\n"
                                    "sys.xlazy_test_node = weakref.ref(node)\n"
                                    "raise ValueError('broken on purpose')\n");
    run_cell("import broken_cycle");
    EXPECT_EQ(run_cell("broken_cycle.node"), "ValueError");
    ASSERT_EQ(run_cell("import sys\ngc.collect(1)\nfreed = sys.xlazy_test_node() is None\ndel sys.xlazy_test_node"), "")
        << last_error_message;
    EXPECT_EQ(value("freed"), "True");
}

TEST_F(full_collections_test, young_garbage_made_by_the_import_is_still_collected)
{
    write_module("churner.py", "import weakref\n"
                               "class Node:\n"
                               "    pass\n"
                               "cycle = Node()\n"
                               "cycle.self = cycle\n"
                               "freed = weakref.ref(cycle)\n"
                               "del cycle\n"
                               "keep = [Node() for _ in range(20000)]\n"
                               "collected_during_import = freed() is None\n");
    run_cell("import churner");
    ASSERT_EQ(run_cell("churner.keep"), "") << last_error_message;
    EXPECT_EQ(value("churner.collected_during_import"), "True");
}

// A module whose top level does the notebook's work (`from analysis import table`, a
// script that processes data in batches) drops cyclic garbage that has outlived the young
// collections. Held off for the whole import, the full collections that would free it never
// came: in a kernel, 60 batches of 10,000 nodes of 2 kB each peaked at 1283 MiB deferred
// against 266 MiB with deferral off. Past the budget of youngest collections they resume.
TEST_F(full_collections_test, garbage_the_import_drops_after_it_aged_into_the_oldest_generation_is_still_collected)
{
    write_module("batches.py", "class Node:\n"
                               "    alive = 0\n"
                               "    most_alive = 0\n"
                               "    def __init__(self):\n"
                               "        self.me = self\n"
                               "        Node.alive += 1\n"
                               "        Node.most_alive = max(Node.most_alive, Node.alive)\n"
                               "    def __del__(self):\n"
                               "        Node.alive -= 1\n"
                               "for _ in range(60):\n"
                               "    batch = [Node() for _ in range(10000)]\n");
    run_cell("import batches");
    ASSERT_EQ(run_cell("batches.batch"), "") << last_error_message;
    // Collected as usual, about 113,000 are alive at most (about 176,000 with the budget
    // spent first); never collected, all 600,000.
    EXPECT_EQ(value("batches.Node.most_alive < 300000"), "True") << value("batches.Node.most_alive");
}

// A process a module's top level forks (multiprocessing's workers) lives on outside the
// import that was running when it started.
TEST_F(full_collections_test, a_process_forked_during_a_deferred_import_collects_under_the_notebooks_thresholds)
{
    write_module("forker.py", "import gc, os\n"
                              "read_end, write_end = os.pipe()\n"
                              "if os.fork() == 0:\n"
                              "    os.write(write_end, repr(gc.get_threshold()).encode())\n"
                              "    os._exit(0)\n"
                              "os.close(write_end)\n"
                              "in_child = os.read(read_end, 100).decode()\n"
                              "os.close(read_end)\n"
                              "os.wait()\n"
                              "in_parent = gc.get_threshold()\n");
    run_cell("import forker");
    ASSERT_EQ(run_cell("forker.in_child"), "") << last_error_message;
    EXPECT_EQ(value("forker.in_child"), "'(700, 10, 10)'");
    EXPECT_EQ(value("forker.in_parent[2] > 10**5"), "True") << value("forker.in_parent");
    EXPECT_EQ(value("gc.get_threshold()"), "(700, 10, 10)");
}

TEST_F(full_collections_test, the_collection_watch_is_in_gc_callbacks_only_while_the_import_runs)
{
    write_module("watched.py", "import gc\nduring = len(gc.callbacks)\n");
    run_cell("before = len(gc.callbacks)\nimport watched");
    ASSERT_EQ(run_cell("during = watched.during"), "") << last_error_message;
    EXPECT_EQ(value("during - before"), "1");
    EXPECT_EQ(value("len(gc.callbacks) == before"), "True");
}

TEST_F(full_collections_test, a_collection_callback_the_module_adds_stays)
{
    write_module("listener.py", "import gc\ndef heard(phase, info):\n    pass\ngc.callbacks.append(heard)\n");
    run_cell("import listener");
    ASSERT_EQ(run_cell("listener.heard"), "") << last_error_message;
    EXPECT_EQ(value("gc.callbacks[-1] is listener.heard"), "True");
    run_cell("gc.callbacks.remove(listener.heard)");
}

TEST_F(full_collections_test, a_threshold_the_module_sets_itself_stays)
{
    EXPECT_EQ(thresholds_after_importing("tuner", "gc.set_threshold(5000, 20, 50)\n"), "(5000, 20, 50)");
}

TEST_F(full_collections_test, a_threshold_the_module_sets_keeps_and_the_others_come_back)
{
    EXPECT_EQ(thresholds_after_importing("tuner", "t0, t1, _ = gc.get_threshold()\ngc.set_threshold(t0, t1, 50)\n"), "(700, 10, 50)");
}

TEST_F(full_collections_test, a_module_scaling_the_thresholds_it_reads_scales_the_notebooks)
{
    EXPECT_EQ(thresholds_after_importing("scaler", "gc.set_threshold(*(t * 2 for t in gc.get_threshold()))\n"), "(1400, 20, 20)");
}

TEST_F(full_collections_test, a_notebooks_own_high_thresholds_stay)
{
    write_module("plain.py", "value = 1\n");
    run_cell("import plain\ngc.set_threshold(700, 20000, 100000)");
    ASSERT_EQ(run_cell("plain.value"), "") << last_error_message;
    EXPECT_EQ(value("gc.get_threshold()"), "(700, 20000, 100000)");
    run_cell("gc.set_threshold(700, 10, 10)");
}

TEST_F(full_collections_test, thresholds_a_module_read_during_its_import_and_sets_later_are_the_notebooks_after_the_cell)
{
    write_module("keeper.py", "import gc\nnormal = gc.get_threshold()\ndef restore():\n    gc.set_threshold(*normal)\n");
    run_cell("import keeper");
    ASSERT_EQ(run_cell("keeper.restore()"), "") << last_error_message;
    EXPECT_EQ(value("gc.get_threshold()"), "(700, 10, 10)");
}

// Left young, a cycle the notebook dropped before the import would be moved with what the
// import made, past the young collections that free it with deferral off.
TEST_F(full_collections_test, a_cycle_the_notebook_dropped_before_an_import_is_not_moved_past_the_young_collections)
{
    write_module("plain.py", "value = 1\n");
    run_cell("import plain\n"
             "import weakref\n"
             "class Cycle:\n"
             "    pass\n"
             "dropped = Cycle()\n"
             "dropped.me = dropped\n"
             "gc.collect(0)\n"
             "freed = weakref.ref(dropped)\n"
             "del dropped");
    ASSERT_EQ(run_cell("plain.value\ngc.collect(1)\ngone = freed() is None"), "") << last_error_message;
    EXPECT_EQ(value("gone"), "True");
}

TEST_F(full_collections_test, a_module_multiplying_the_thresholds_it_reads_by_a_hundred_multiplies_the_notebooks)
{
    EXPECT_EQ(thresholds_after_importing("scaler", "t0, t1, t2 = gc.get_threshold()\ngc.set_threshold(t0, t1 * 100, t2 * 100)\n"), "(700, 1000, 1000)");
}

// With the collector off nothing is collected automatically, so there is nothing to hold, and
// the notebook's own young collections must still find its young garbage after the import.
TEST_F(full_collections_test, with_the_collector_disabled_an_import_holds_and_moves_nothing)
{
    write_recording_module("recorder.py");
    run_cell("import recorder\n"
             "import weakref\n"
             "class Cycle:\n"
             "    pass\n"
             "gc.disable()\n"
             "dropped = Cycle()\n"
             "dropped.me = dropped\n"
             "freed = weakref.ref(dropped)\n"
             "del dropped");
    ASSERT_EQ(run_cell("seen = recorder.seen"), "") << last_error_message;
    run_cell("gc.collect(1)\ngone = freed() is None\ngc.enable()");
    EXPECT_EQ(value("seen"), "(700, 10, 10)");
    EXPECT_EQ(value("gone"), "True");
}

TEST_F(full_collections_test, with_a_first_threshold_of_zero_an_import_holds_nothing)
{
    write_recording_module("recorder.py");
    run_cell("import recorder\ngc.set_threshold(0)");
    ASSERT_EQ(run_cell("seen = recorder.seen"), "") << last_error_message;
    run_cell("gc.set_threshold(700, 10, 10)");
    EXPECT_EQ(value("seen"), "(0, 10, 10)");
}

// A gc callback (or a finalizer the collector runs) that first uses a pending module imports
// it inside a collection, whose young objects must not be moved past it. (A cell naming the
// callback would import the module before it runs: the callback is removed in a later cell.)
TEST_F(full_collections_test, an_import_inside_a_collection_leaves_that_collections_garbage_to_it)
{
    write_module("plain.py", "value = 1\n");
    run_cell("import plain\n"
             "import weakref\n"
             "class Cycle:\n"
             "    pass\n"
             "used = []\n"
             "armed = []\n"
             "def first_use(phase, info):\n"
             "    if phase == 'start' and armed and not used:\n"
             "        used.append(plain.value)\n"
             "gc.callbacks.append(first_use)");
    ASSERT_EQ(run_cell("dropped = Cycle()\n"
                       "dropped.me = dropped\n"
                       "freed = weakref.ref(dropped)\n"
                       "del dropped\n"
                       "armed.append(True)\n"
                       "gc.collect(0)\n"
                       "gone = freed() is None"),
              "")
        << last_error_message;
    run_cell("gc.callbacks.remove(first_use)");
    EXPECT_EQ(value("used"), "[1]");
    EXPECT_EQ(value("gone"), "True");
}

TEST_F(full_collections_test, a_failing_deferred_import_restores_the_threshold)
{
    write_module("broken.py", "raise ValueError('broken on purpose')\n");
    run_cell("import broken");
    EXPECT_EQ(run_cell("broken.x"), "ValueError");
    EXPECT_EQ(value("gc.get_threshold()"), "(700, 10, 10)");
}

TEST_F(full_collections_test, an_eager_import_runs_under_the_notebooks_thresholds)
{
    write_recording_module("recorder.py");
    EXPECT_EQ(run_cell("import recorder\nseen = recorder.seen", true), "");
    EXPECT_EQ(value("seen"), "(700, 10, 10)");
}
