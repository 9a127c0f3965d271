// The debugger JupyterLab drives over the control channel: xeus-python's (debugpy behind a
// DAP client of xeus), with what it needs to stop reliably.
// xeus 2.4.1's DAP client, on a `stopped` event whose body says allThreadsStopped, asks
// debugpy for its threads and, looking for the reply, reads the "command" of every queued
// message, events included: a missing key read through a const JSON object, which is
// undefined behaviour and crashed the kernel (SIGSEGV in that client's thread) at about one
// breakpoint in ten, before the stop reached the front end. debugpy is told to report each
// stop for the thread that stopped instead, which xeus handles without that lookup.
// The variables panel (inspectVariables, after every message of every cell) lists pending
// imports by their repr, without running them.
// Owns no state of the debug session; xeus-python's debugger keeps it.
#pragma once

#include <memory>
#include <string>

#include "xeus/xdebugger.hpp"
#include "xeus/xkernel_configuration.hpp"

namespace xlazy
{
    std::unique_ptr<xeus::xdebugger> make_debugger(xeus::xcontext& context, const xeus::xconfiguration& config,
                                                   const std::string& user_name, const std::string& session_id,
                                                   const nl::json& debugger_config);
}
