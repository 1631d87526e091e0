// The contract between the JNI side of the bridge and what executes requests: TensorRT-LLM's Executor in production
// (tensorrt_llm_backend.cpp), a deterministic test double in CI (src/test/cpp). Nothing here includes TensorRT-LLM.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace evalgate::trtllm
{

/// Settings for a backend, as key/value text: the JNI side passes them through without knowing them.
using Options = std::map<std::string, std::string>;

/// Why a sequence ended; the values are TensorRT-LLM's FinishReason and the Java side's.
enum class Finish : std::int32_t
{
    kNotFinished = 0,
    kEndId = 1,
    kStopWords = 2,
    kLength = 3,
    kTimedOut = 4,
    kCancelled = 5,
};

/// One sequence to generate, as evalgate decided it.
struct GenerationSpec
{
    /// The Java side's id for the request; backends pass it on as the Executor's client id.
    std::uint64_t handle{0};
    /// The rendered prompt's token ids, exactly as the model must see them (no BOS is added).
    std::vector<std::int32_t> prompt;
    /// New tokens at most.
    std::int32_t maxTokens{1};
    /// 0 means greedy.
    float temperature{0.0F};
    /// In (0, 1].
    float topP{1.0F};
    /// 0 disables.
    std::int32_t topK{0};
    std::optional<std::uint64_t> seed;
    /// Token ids that end the sequence; the first is the Executor's end id, the others single-token stop words.
    std::vector<std::int32_t> endIds;
    /// Log-probabilities of generated tokens: -1 none, 0 the chosen token's, k also the k most likely.
    std::int32_t logprobs{-1};
    /// Log-probabilities of prompt tokens: -1 none, else as logprobs.
    std::int32_t promptLogprobs{-1};
};

/// What one response of the backend carries for one request. Rows of top candidates are row-major, k per position;
/// a candidate the backend could not compute has id -1.
struct BackendResponse
{
    std::uint64_t requestId{0};
    bool isFinal{false};
    Finish finish{Finish::kNotFinished};
    /// Non-empty: the request failed with this message (and is over).
    std::string error;
    /// The new tokens of this step only.
    std::vector<std::int32_t> tokens;
    /// Empty, or one per token.
    std::vector<float> logprobs;
    std::int32_t topK{0};
    std::vector<std::int32_t> topIds;
    std::vector<float> topLogprobs;
    /// Prompt positions 1..n-1 (position 0 has nothing before it); set once, on the first response that has them.
    bool hasPromptLogprobs{false};
    std::vector<float> promptLogprobs;
    std::int32_t promptTopK{0};
    std::vector<std::int32_t> promptTopIds;
    std::vector<float> promptTopLogprobs;
};

/// Executes requests. enqueue and cancel are called with the bridge's lock held (one at a time); await only from the
/// bridge's single pump; stats from any thread. Every method may throw.
class Backend
{
public:
    virtual ~Backend() = default;

    /// Starts a request; returns the backend's id for it.
    virtual std::uint64_t enqueue(GenerationSpec const& spec) = 0;

    /// Responses ready now for any request, waiting at most timeout for the first.
    virtual std::vector<BackendResponse> await(std::chrono::milliseconds timeout) = 0;

    /// Asks the backend to stop a request; its final response (finish kCancelled) comes through await.
    virtual void cancel(std::uint64_t requestId) = 0;

    /// Stops everything; no method but the destructor is called afterwards.
    virtual void shutdown() = 0;

    /// What it is doing, one key=value a line.
    virtual std::string stats() = 0;
};

/// Implemented once per library: by the TensorRT-LLM side or by the test double.
std::unique_ptr<Backend> createBackend(Options const& options);

} // namespace evalgate::trtllm
