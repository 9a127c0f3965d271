// A kernel started by a Jupyter server must not outlive it. jupyter_client starts each kernel
// in a session of its own and names itself in JPY_PARENT_PID; a server that exits without
// shutting its kernels down would leave them running for good: jupyter_server 2 in a process
// without a terminal ends on SIGINT with no clean-up, and SIGINT is how JupyterHub's local
// spawners stop a user's server; a crash or an out-of-memory kill does the same. Like ipykernel
// (its parent poller), the kernel then ends too, at once: nothing can reach it any more, and
// the cell it may be running cannot be asked to stop. Knows nothing of Python or xeus.
#pragma once

namespace xlazy
{
    // With `jpy_parent_pid` (JPY_PARENT_PID's value) set, starts a thread that ends the process
    // with status 1 and one line in the server's log once the process that started the kernel
    // is gone. Without it (a kernel started by hand or with `independent`), does nothing.
    void end_with_the_server(const char* jpy_parent_pid);
}
