// Whether this process is a child forked from the kernel (a multiprocessing 'fork' worker,
// a Process child, a bare os.fork()). Such a child keeps only the thread that forked: none
// of xeus's threads, no output reader, zmq sockets it must never use. The units that own
// threads or sockets ask here and step aside; this unit owns only the knowledge.
#pragma once

namespace xlazy
{
    // Call once, on the main thread, before the kernel can fork.
    void watch_forks();

    // True in a forked child (and its own children). Async-signal-safe.
    bool in_forked_child() noexcept;
}
