#include "request_rules.hpp"

#include <map>
#include <vector>

namespace xlazy
{
    namespace
    {
        enum class field_type
        {
            string,
            boolean,
            integer,
            object
        };

        struct field_rule
        {
            const char* name;
            field_type type;
            bool required;
        };

        const char* type_name(field_type type)
        {
            switch (type)
            {
            case field_type::string: return "a string";
            case field_type::boolean: return "true or false";
            case field_type::integer: return "an integer";
            case field_type::object: return "an object";
            }
            return "";
        }

        bool has_type(const nl::json& value, field_type type)
        {
            switch (type)
            {
            case field_type::string: return value.is_string();
            case field_type::boolean: return value.is_boolean();
            case field_type::integer: return value.is_number_integer();
            case field_type::object: return value.is_object();
            }
            return false;
        }

        struct request_kind
        {
            bool shell;   // served when sent on shell
            bool control; // served when sent on control
            std::vector<field_rule> fields;
        };

        // The requests xeus 2.4.1 and xeus-python serve, with the content fields they read.
        const std::map<std::string, request_kind>& request_kinds()
        {
            using f = field_type;
            static const std::map<std::string, request_kind> kinds = {
                {"execute_request",
                 {true, false,
                  {{"code", f::string, true},
                   {"silent", f::boolean, false},
                   {"store_history", f::boolean, false},
                   {"allow_stdin", f::boolean, false},
                   {"stop_on_error", f::boolean, false},
                   {"user_expressions", f::object, false}}}},
                {"complete_request", {true, false, {{"code", f::string, true}, {"cursor_pos", f::integer, true}}}},
                {"inspect_request",
                 {true, false,
                  {{"code", f::string, true}, {"cursor_pos", f::integer, true}, {"detail_level", f::integer, false}}}},
                {"is_complete_request", {true, false, {{"code", f::string, true}}}},
                {"history_request",
                 {true, false,
                  {{"hist_access_type", f::string, true},
                   {"output", f::boolean, false},
                   {"raw", f::boolean, false},
                   {"session", f::integer, false},
                   {"start", f::integer, false},
                   {"stop", f::integer, false},
                   {"n", f::integer, false},
                   {"pattern", f::string, false},
                   {"unique", f::boolean, false}}}},
                {"comm_info_request", {true, false, {{"target_name", f::string, false}}}},
                {"kernel_info_request", {true, true, {}}},
                {"shutdown_request", {true, true, {{"restart", f::boolean, false}}}},
                {"interrupt_request", {true, true, {}}},
                {"debug_request",
                 {false, true, {{"type", f::string, true}, {"seq", f::integer, true}, {"command", f::string, true}}}},
            };
            return kinds;
        }

        // Messages without a reply that the shell serves.
        bool is_comm_message(const std::string& type, const nl::json& content, std::string& problem)
        {
            if (type != "comm_open" && type != "comm_msg" && type != "comm_close")
            {
                return false;
            }
            if (!content.contains("comm_id") || !content["comm_id"].is_string())
            {
                problem = "'comm_id' must be a string";
            }
            else if (type == "comm_open" && (!content.contains("target_name") || !content["target_name"].is_string()))
            {
                problem = "'target_name' must be a string";
            }
            return true;
        }

        std::string content_problem(const request_kind& kind, const nl::json& content)
        {
            for (const auto& field : kind.fields)
            {
                auto found = content.find(field.name);
                if (found == content.end())
                {
                    if (field.required)
                    {
                        return std::string("the content has no '") + field.name + "' field";
                    }
                    continue;
                }
                if (!has_type(*found, field.type))
                {
                    return std::string("'") + field.name + "' must be " + type_name(field.type);
                }
            }
            return {};
        }
    }

    std::string reply_type(const std::string& request_type)
    {
        const std::string suffix = "_request";
        if (request_type.size() > suffix.size() &&
            request_type.compare(request_type.size() - suffix.size(), suffix.size(), suffix) == 0)
        {
            return request_type.substr(0, request_type.size() - suffix.size()) + "_reply";
        }
        return request_type + "_reply";
    }

    request_verdict judge_request(wire_channel channel, const nl::json& header, const nl::json& content)
    {
        auto type_field = header.find("msg_type");
        if (type_field == header.end() || !type_field->is_string() || !header.contains("msg_id") ||
            !header["msg_id"].is_string())
        {
            return {request_verdict::status_only, "the header has no string msg_type and msg_id"};
        }
        const std::string type = type_field->get<std::string>();
        if (!content.is_object())
        {
            return {request_verdict::refuse, "the content of " + type + " must be a JSON object"};
        }
        std::string problem;
        if (is_comm_message(type, content, problem))
        {
            if (channel != wire_channel::shell)
            {
                return {request_verdict::status_only, type + " belongs on the shell channel"};
            }
            return problem.empty() ? request_verdict{request_verdict::pass, {}}
                                   : request_verdict{request_verdict::status_only, type + ": " + problem};
        }
        auto kind = request_kinds().find(type);
        if (kind == request_kinds().end())
        {
            // ipykernel logs an unknown message type and goes busy then idle; a request also
            // gets an error reply here, so that a front end waiting for one does not hang.
            const bool is_request = type.size() > 8 && type.compare(type.size() - 8, 8, "_request") == 0;
            return {is_request ? request_verdict::refuse : request_verdict::status_only,
                    "unknown message type '" + type + "'"};
        }
        const bool served = channel == wire_channel::shell ? kind->second.shell : kind->second.control;
        if (!served)
        {
            return {request_verdict::refuse,
                    type + " must be sent on the " + (channel == wire_channel::shell ? "control" : "shell") +
                        " channel"};
        }
        problem = content_problem(kind->second, content);
        if (!problem.empty())
        {
            return {request_verdict::refuse, type + ": " + problem};
        }
        // The kernel shuts down and interrupts on its control thread; ipykernel also serves
        // these on shell, and replies there.
        if (channel == wire_channel::shell && kind->second.control &&
            (type == "shutdown_request" || type == "interrupt_request"))
        {
            return {request_verdict::pass_to_control, {}};
        }
        return {request_verdict::pass, {}};
    }
}
