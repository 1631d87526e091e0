#include "response_records.h"

#include <cstring>
#include <stdexcept>

namespace evalgate::trtllm::records
{
namespace
{

bool hasTokenLogprobs(BackendResponse const& r)
{
    return !r.logprobs.empty();
}

std::size_t padded(std::size_t bytes)
{
    return (bytes + 7) & ~static_cast<std::size_t>(7);
}

template <typename T>
std::uint8_t* put(std::uint8_t* at, T value)
{
    std::memcpy(at, &value, sizeof(T));
    return at + sizeof(T);
}

template <typename T>
std::uint8_t* putAll(std::uint8_t* at, std::vector<T> const& values)
{
    if (!values.empty())
    {
        std::memcpy(at, values.data(), values.size() * sizeof(T));
    }
    return at + values.size() * sizeof(T);
}

/// A response whose arrays do not agree with its counts would make Java read garbage: refuse it here, loudly.
void check(BackendResponse const& r)
{
    std::size_t const n = r.tokens.size();
    if (hasTokenLogprobs(r)
        && (r.logprobs.size() != n || r.topK < 0 || r.topIds.size() != n * static_cast<std::size_t>(r.topK)
            || r.topLogprobs.size() != r.topIds.size()))
    {
        throw std::logic_error("backend response: token log-probabilities do not match its tokens");
    }
    if (r.hasPromptLogprobs
        && (r.promptTopK < 0
            || r.promptTopIds.size() != r.promptLogprobs.size() * static_cast<std::size_t>(r.promptTopK)
            || r.promptTopLogprobs.size() != r.promptTopIds.size()))
    {
        throw std::logic_error("backend response: prompt log-probabilities do not match their positions");
    }
}

} // namespace

std::size_t size(BackendResponse const& r)
{
    check(r);
    std::size_t bytes = kHeaderBytes + r.tokens.size() * 4;
    if (hasTokenLogprobs(r))
    {
        bytes += r.logprobs.size() * 4 + r.topIds.size() * 8;
    }
    if (r.hasPromptLogprobs)
    {
        bytes += r.promptLogprobs.size() * 4 + r.promptTopIds.size() * 8;
    }
    return padded(bytes + r.error.size());
}

void write(BackendResponse const& r, std::uint64_t handle, std::uint8_t* at)
{
    std::size_t const total = size(r);
    std::int32_t flags = 0;
    if (r.isFinal || !r.error.empty())
    {
        flags |= kFinal;
    }
    if (!r.error.empty())
    {
        flags |= kError;
    }
    if (hasTokenLogprobs(r))
    {
        flags |= kLogprobs;
    }
    if (r.hasPromptLogprobs)
    {
        flags |= kPromptLogprobs;
    }
    std::uint8_t* p = at;
    p = put(p, static_cast<std::int32_t>(total));
    p = put(p, flags);
    p = put(p, handle);
    p = put(p, static_cast<std::int32_t>(r.finish));
    p = put(p, static_cast<std::int32_t>(r.tokens.size()));
    p = put(p, hasTokenLogprobs(r) ? r.topK : 0);
    p = put(p, r.hasPromptLogprobs ? static_cast<std::int32_t>(r.promptLogprobs.size()) : 0);
    p = put(p, r.hasPromptLogprobs ? r.promptTopK : 0);
    p = put(p, static_cast<std::int32_t>(r.error.size()));
    p = putAll(p, r.tokens);
    if (hasTokenLogprobs(r))
    {
        p = putAll(p, r.logprobs);
        p = putAll(p, r.topIds);
        p = putAll(p, r.topLogprobs);
    }
    if (r.hasPromptLogprobs)
    {
        p = putAll(p, r.promptLogprobs);
        p = putAll(p, r.promptTopIds);
        p = putAll(p, r.promptTopLogprobs);
    }
    std::memcpy(p, r.error.data(), r.error.size());
    p += r.error.size();
    std::memset(p, 0, static_cast<std::size_t>(at + total - p));
}

} // namespace evalgate::trtllm::records
