// Which authenticated requests xeus may see, per channel, and with what content: the rules
// that keep a signed but ill-formed request from reaching code that would throw and leave
// the front end waiting. Owns the decision only: no sockets, no Python.
#pragma once

#include <string>

#include "nlohmann/json.hpp"

namespace xlazy
{
    namespace nl = nlohmann;

    enum class wire_channel
    {
        shell,
        control
    };

    struct request_verdict
    {
        enum action_kind
        {
            pass,          // hand to the kernel on its own channel
            pass_to_control, // a shell request the kernel serves on its control thread
            refuse,        // busy, an error reply saying `reason`, idle
            status_only    // busy, idle, no reply (ipykernel's answer to an unknown message type)
        };
        action_kind action;
        std::string reason;
    };

    // `header` is a JSON object; `content` is whatever the content frame held.
    request_verdict judge_request(wire_channel channel, const nl::json& header, const nl::json& content);

    // "execute_request" -> "execute_reply"; anything else gets "_reply" appended.
    std::string reply_type(const std::string& request_type);
}
