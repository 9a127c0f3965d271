// A deferred import allocates hundreds of thousands of objects that live as long as the
// program (functions, classes, module dictionaries). CPython's cyclic collector traverses the
// whole heap each time it has grown by a quarter, so while a notebook's imports run it
// re-traverses what they made again and again: five full collections, 0.45 s of a 3.7 s
// script importing and using numpy, pandas, scipy, matplotlib, scikit-learn, sympy and torch.
// While a deferred import runs, collections of the oldest generation wait (the young ones
// still run, so garbage made and dropped by the import is still freed); the first
// collection after it traverses the heap once. The wait lasts at most a budget of young
// collections, which a library's import stays under: a module whose top level does real
// work drops garbage that outlives the young collections, and must not hold it until the
// import ends.
#pragma once

namespace xlazy
{
    // Holds the collector's third threshold out of reach for its lifetime or the budget,
    // whichever ends first, watching young collections from gc.callbacks meanwhile; nested
    // holders share the outermost one's. Needs the GIL. A threshold set meanwhile by the
    // code that ran (gc.set_threshold) is theirs and stays.
    class full_collections_postponed
    {
    public:
        full_collections_postponed();
        ~full_collections_postponed();
        full_collections_postponed(const full_collections_postponed&) = delete;
        full_collections_postponed& operator=(const full_collections_postponed&) = delete;
    };
}
