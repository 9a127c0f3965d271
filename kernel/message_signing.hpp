// Signatures of Jupyter wire messages for one connection key. Owns the HMAC check (the
// whole hex digest, compared in constant time, over the exact frames, before anything is
// parsed) and the bounded memory of recent signatures that refuses replays.
// Never parses a message and never prints what a peer sent.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <unordered_set>

#include "zmq.hpp"

#include "xeus/xauthentication.hpp"

namespace xlazy
{
    // Why `scheme` cannot sign messages (for a connection file's error), or "" when it can.
    // Only the hmac-* schemes xeus implements are accepted, as jupyter_client accepts only
    // hmac-* schemes; "none" would let anyone on the ports run code.
    std::string signature_scheme_problem(const std::string& scheme);

    class message_signer
    {
    public:
        // An empty key means unsigned messages, as in jupyter_client's Session.
        message_signer(const std::string& scheme, const std::string& key);

        bool signs() const noexcept { return m_auth != nullptr; }

        // The hex signature of the four signed frames; "" when unsigned.
        std::string sign(const zmq::message_t& header, const zmq::message_t& parent,
                         const zmq::message_t& metadata, const zmq::message_t& content) const;

        // Exactly the expected digest: a prefix, a longer string or another case fails.
        bool verify(const zmq::message_t& signature, const zmq::message_t& header, const zmq::message_t& parent,
                    const zmq::message_t& metadata, const zmq::message_t& content) const;

    private:
        std::unique_ptr<xeus::xauthentication> m_auth;
    };

    // Signatures seen recently, like ipykernel's digest_history (2^16 of them): a message
    // whose signature was already seen is a replay. Bounded: the oldest are forgotten first.
    // Only verified signatures are recorded, which are HMAC outputs: a 64-bit fingerprint
    // of each is enough (a false "replay" needs a 64-bit collision) and keeps it near 2 MB.
    class replay_guard
    {
    public:
        explicit replay_guard(std::size_t capacity = 1 << 16) : m_capacity(capacity) {}

        // Records the signature; false when it was seen before.
        bool first_time(const std::string& signature);

    private:
        std::size_t m_capacity;
        std::unordered_set<std::size_t> m_seen;
        std::deque<std::size_t> m_order;
    };
}
