// A deferred import allocates hundreds of thousands of objects that live as long as the
// program (functions, classes, module dictionaries). CPython's cyclic collector traverses the
// whole heap each time it has grown by a quarter, so while a notebook's imports run it
// re-traverses what they made again and again: five full collections, 0.45 s of a 3.7 s
// script importing and using numpy, pandas, scipy, matplotlib, scikit-learn, sympy and torch.
// While a deferred import runs, the middle and oldest generations are not collected (the
// youngest still is, so garbage the import makes and drops at once is still freed); when it
// has finished, what it made moves into the oldest generation without being counted towards
// the next full collection, which then comes when the notebook's own objects call for it.
// The notebook's young garbage is collected when the import starts, so it is not moved.
// The wait lasts at most a budget of youngest collections, which a library's import stays
// under: a module whose top level does real work drops garbage that outlives the youngest
// collections, and must not hold it until the import ends.
#pragma once

namespace xlazy
{
    // Holds the collector's second and third thresholds out of reach for its lifetime or the
    // budget, whichever ends first, watching youngest collections from gc.callbacks meanwhile;
    // nested holders share the outermost one's. Needs the GIL. A threshold set meanwhile by
    // the code that ran (gc.set_threshold) is theirs and stays.
    class full_collections_postponed
    {
    public:
        full_collections_postponed();
        ~full_collections_postponed();
        full_collections_postponed(const full_collections_postponed&) = delete;
        full_collections_postponed& operator=(const full_collections_postponed&) = delete;

    private:
        // More when it ends means the import is unwinding with an exception: it failed.
        int m_exceptions_unwinding_at_start;
    };

    // A library that read the held thresholds during its import and sets them again later
    // (a helper restoring "normal" collection) would stop the notebook's older collections
    // for good: between cells, thresholds still held while no import runs go back to the
    // notebook's. Needs the GIL.
    void give_back_thresholds_left_held();
}
