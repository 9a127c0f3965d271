// Signatures and replays, without a kernel: what the wire gate relies on before it parses
// anything a peer sent.
#include <string>

#include <gtest/gtest.h>

#include "message_signing.hpp"

namespace
{
    zmq::message_t frame(const std::string& text)
    {
        return zmq::message_t(text.data(), text.size());
    }

    struct signed_message
    {
        zmq::message_t header = frame(R"({"msg_id":"1","msg_type":"kernel_info_request"})");
        zmq::message_t parent = frame("{}");
        zmq::message_t metadata = frame("{}");
        zmq::message_t content = frame("{}");
    };

    bool verifies(const xlazy::message_signer& signer, const std::string& signature)
    {
        signed_message message;
        return signer.verify(frame(signature), message.header, message.parent, message.metadata, message.content);
    }

    std::string signature_of(const xlazy::message_signer& signer)
    {
        signed_message message;
        return signer.sign(message.header, message.parent, message.metadata, message.content);
    }
}

TEST(message_signing, the_exact_digest_verifies)
{
    xlazy::message_signer signer("hmac-sha256", "key");
    EXPECT_TRUE(verifies(signer, signature_of(signer)));
}

TEST(message_signing, a_digest_with_extra_bytes_or_a_prefix_does_not_verify)
{
    xlazy::message_signer signer("hmac-sha256", "key");
    const std::string good = signature_of(signer);
    EXPECT_FALSE(verifies(signer, good + "00"));
    EXPECT_FALSE(verifies(signer, good.substr(0, good.size() - 1)));
    EXPECT_FALSE(verifies(signer, ""));
}

TEST(message_signing, another_key_does_not_verify)
{
    xlazy::message_signer signer("hmac-sha256", "key");
    xlazy::message_signer other("hmac-sha256", "other key");
    EXPECT_FALSE(verifies(signer, signature_of(other)));
}

TEST(message_signing, an_empty_key_signs_nothing_and_accepts_anything)
{
    xlazy::message_signer unsigned_connection("hmac-sha256", "");
    EXPECT_FALSE(unsigned_connection.signs());
    EXPECT_EQ(signature_of(unsigned_connection), "");
    EXPECT_TRUE(verifies(unsigned_connection, "whatever"));
}

TEST(message_signing, only_hmac_schemes_xeus_implements_are_accepted)
{
    EXPECT_EQ(xlazy::signature_scheme_problem("hmac-sha256"), "");
    EXPECT_EQ(xlazy::signature_scheme_problem("hmac-sha512"), "");
    EXPECT_NE(xlazy::signature_scheme_problem("none"), "");
    EXPECT_NE(xlazy::signature_scheme_problem("hmac-bogus"), "");
}

TEST(replay_guard, a_signature_is_accepted_once)
{
    xlazy::replay_guard guard;
    EXPECT_TRUE(guard.first_time("abc"));
    EXPECT_FALSE(guard.first_time("abc"));
    EXPECT_TRUE(guard.first_time("abd"));
}

TEST(replay_guard, memory_is_bounded_by_forgetting_the_oldest)
{
    xlazy::replay_guard guard(3);
    for (const char* signature : {"a", "b", "c", "d"})
    {
        EXPECT_TRUE(guard.first_time(signature));
    }
    EXPECT_TRUE(guard.first_time("a"));  // forgotten: the guard holds three
    EXPECT_FALSE(guard.first_time("d")); // still remembered
}
