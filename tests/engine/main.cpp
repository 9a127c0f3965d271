// One embedded interpreter for the whole engine suite: CPython cannot be restarted
// reliably inside one process, so tests share it and clean up after themselves.
#include <gtest/gtest.h>

#include "pybind11/embed.h"

int main(int argc, char** argv)
{
    testing::InitGoogleTest(&argc, argv);
    pybind11::scoped_interpreter python;
    return RUN_ALL_TESTS();
}
