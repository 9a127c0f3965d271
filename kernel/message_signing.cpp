#include "message_signing.hpp"

#include <functional>
#include <stdexcept>

namespace xlazy
{
    namespace
    {
        xeus::xraw_buffer raw(const zmq::message_t& frame)
        {
            return xeus::xraw_buffer(frame.data<unsigned char>(), frame.size());
        }
    }

    std::string signature_scheme_problem(const std::string& scheme)
    {
        if (scheme.rfind("hmac-", 0) != 0)
        {
            return "signature_scheme must be an hmac scheme such as 'hmac-sha256', not '" + scheme + "'";
        }
        try
        {
            // xeus looks the digest up in a table and throws std::out_of_range when absent.
            xeus::make_xauthentication(scheme, "probe");
        }
        catch (const std::exception&)
        {
            return "signature_scheme '" + scheme +
                   "' is not supported; use hmac-sha256 (or hmac-sha1, -sha224, -sha384, -sha512, -md5)";
        }
        return {};
    }

    message_signer::message_signer(const std::string& scheme, const std::string& key)
    {
        if (!key.empty())
        {
            m_auth = xeus::make_xauthentication(scheme, key);
        }
    }

    std::string message_signer::sign(const zmq::message_t& header, const zmq::message_t& parent,
                                      const zmq::message_t& metadata, const zmq::message_t& content) const
    {
        if (!m_auth)
        {
            return {};
        }
        return m_auth->sign(raw(header), raw(parent), raw(metadata), raw(content));
    }

    bool message_signer::verify(const zmq::message_t& signature, const zmq::message_t& header,
                                const zmq::message_t& parent, const zmq::message_t& metadata,
                                const zmq::message_t& content) const
    {
        if (!m_auth)
        {
            return true;
        }
        const std::string expected = sign(header, parent, metadata, content);
        if (signature.size() != expected.size())
        {
            return false;
        }
        // Constant time: the position of the first wrong byte must not show in the timing.
        const auto* given = signature.data<unsigned char>();
        unsigned char difference = 0;
        for (std::size_t i = 0; i < expected.size(); ++i)
        {
            difference |= static_cast<unsigned char>(given[i] ^ static_cast<unsigned char>(expected[i]));
        }
        return difference == 0;
    }

    bool replay_guard::first_time(const std::string& signature)
    {
        const std::size_t fingerprint = std::hash<std::string>{}(signature);
        if (!m_seen.insert(fingerprint).second)
        {
            return false;
        }
        m_order.push_back(fingerprint);
        if (m_order.size() > m_capacity)
        {
            m_seen.erase(m_order.front());
            m_order.pop_front();
        }
        return true;
    }
}
