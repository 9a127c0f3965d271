// What xeus and xeus-python log on std::clog goes to the terminal of the Jupyter server that
// started the kernel (the kernel's original stderr), as ipykernel's log does, and never into
// a notebook: fd 2 is captured for cells, so their "XDEBUGGER: dumped ..." lines used to
// appear in the output of the next cell. xeus's server also prints "Run with XEUS 2.4.1"
// each time it starts, and the kernel's server wraps xeus's, so the terminal showed it twice
// at every start; that line is dropped, every other line passes unchanged.
#pragma once

namespace xlazy
{
    // Call on the main thread before the kernel captures fd 2 or starts its server.
    void send_xeus_log_to_terminal();
}
