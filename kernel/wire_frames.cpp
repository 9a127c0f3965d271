#include "wire_frames.hpp"

#include <algorithm>
#include <iterator>

#include "zmq_addon.hpp"

namespace xlazy
{
    namespace
    {
        const std::string delimiter = "<IDS|MSG>";
        constexpr std::size_t signed_frames = 5; // signature, header, parent, metadata, content
    }

    std::vector<zmq::message_t> receive_all(zmq::socket_t& socket)
    {
        std::vector<zmq::message_t> frames;
        (void)zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait);
        return frames;
    }

    std::optional<wire_frames> split_frames(std::vector<zmq::message_t>&& frames, std::string& problem)
    {
        auto found = std::find_if(frames.begin(), frames.end(),
                                  [](const zmq::message_t& frame)
                                  { return frame.size() == delimiter.size() && frame_text(frame) == delimiter; });
        if (found == frames.end())
        {
            problem = "no <IDS|MSG> delimiter";
            return std::nullopt;
        }
        const auto after = static_cast<std::size_t>(std::distance(found, frames.end())) - 1;
        if (after < signed_frames)
        {
            problem = std::to_string(after) + " frames after the delimiter, 5 needed";
            return std::nullopt;
        }
        wire_frames message;
        auto next = frames.begin();
        for (; next != found; ++next)
        {
            message.identities.push_back(std::move(*next));
        }
        ++next;
        message.signature = std::move(*next++);
        message.header = std::move(*next++);
        message.parent = std::move(*next++);
        message.metadata = std::move(*next++);
        message.content = std::move(*next++);
        for (; next != frames.end(); ++next)
        {
            message.buffers.push_back(std::move(*next));
        }
        return message;
    }

    bool send_frames(zmq::socket_t& socket, wire_frames& message, const message_signer& signer)
    {
        const std::string signature = signer.sign(message.header, message.parent, message.metadata, message.content);
        std::vector<zmq::message_t> frames;
        for (auto& identity : message.identities)
        {
            frames.push_back(std::move(identity));
        }
        frames.emplace_back(delimiter.data(), delimiter.size());
        frames.emplace_back(signature.data(), signature.size());
        frames.push_back(std::move(message.header));
        frames.push_back(std::move(message.parent));
        frames.push_back(std::move(message.metadata));
        frames.push_back(std::move(message.content));
        for (auto& buffer : message.buffers)
        {
            frames.push_back(std::move(buffer));
        }
        return zmq::send_multipart(socket, frames, zmq::send_flags::dontwait).has_value();
    }
}
