// The frames of one Jupyter wire message: routing identities, the <IDS|MSG> delimiter,
// signature, the four JSON frames, buffers. Owns splitting a received frame sequence
// (refusing any shape that is not a message) and sending one re-signed. Parses no JSON.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "zmq.hpp"

#include "message_signing.hpp"

namespace xlazy
{
    struct wire_frames
    {
        std::vector<zmq::message_t> identities; // routing prefix (or the iopub topic)
        zmq::message_t signature;
        zmq::message_t header;
        zmq::message_t parent;
        zmq::message_t metadata;
        zmq::message_t content;
        std::vector<zmq::message_t> buffers;
    };

    // Receives every frame of the next message on `socket` (which has one waiting).
    std::vector<zmq::message_t> receive_all(zmq::socket_t& socket);

    // std::nullopt with `problem` set when the frames do not form a message.
    std::optional<wire_frames> split_frames(std::vector<zmq::message_t>&& frames, std::string& problem);

    // Signs the four JSON frames with `signer` and sends without blocking; false when the
    // peer's queue is full and the message was dropped.
    bool send_frames(zmq::socket_t& socket, wire_frames& message, const message_signer& signer);

    inline std::string frame_text(const zmq::message_t& frame)
    {
        return std::string(frame.data<char>(), frame.size());
    }
}
