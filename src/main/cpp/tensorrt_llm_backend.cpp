// The TensorRT-LLM side of the bridge: Backend on TensorRT-LLM 1.2.1's C++ Executor (the engine Executor that
// NVIDIA removed from main in July 2026). The only file that includes TensorRT-LLM headers; built against the headers
// shipped with the libtensorrt_llm.so it loads (source compatibility is not ABI compatibility: a constructor with one
// parameter more or less has another mangled name). check-tensorrt-llm-headers.sh compiles it against any header set.
//
// Settings are set through setters, never long positional constructors: parameters were inserted mid-list between
// releases (SamplingConfig's promptIgnoreLength, ExecutorConfig's useGpuDirectStorage) and compile silently wrong.

#include "backend.h"
#include "logprob_row.h"

#include "tensorrt_llm/executor/executor.h"
#include "tensorrt_llm/plugins/api/tllmPlugin.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <list>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>
#include <utility>

#ifndef EVALGATE_DEFAULT_WORKER
#define EVALGATE_DEFAULT_WORKER ""
#endif

namespace tle = tensorrt_llm::executor;

// The API shapes this file relies on: drift in another header set fails here, at the first build, not at run time.
static_assert(std::is_same_v<tle::IdType, std::uint64_t>, "Executor request ids are 64-bit");
static_assert(std::is_same_v<tle::TokenIdType, std::int32_t>, "token ids are int32, as Java's int");
static_assert(std::is_same_v<tle::SizeType32, std::int32_t>);
static_assert(std::is_same_v<tle::RandomSeedType, std::uint64_t>);
static_assert(static_cast<int>(tle::FinishReason::kEND_ID) == static_cast<int>(evalgate::trtllm::Finish::kEndId));
static_assert(
    static_cast<int>(tle::FinishReason::kSTOP_WORDS) == static_cast<int>(evalgate::trtllm::Finish::kStopWords));
static_assert(static_cast<int>(tle::FinishReason::kLENGTH) == static_cast<int>(evalgate::trtllm::Finish::kLength));
static_assert(
    static_cast<int>(tle::FinishReason::kTIMED_OUT) == static_cast<int>(evalgate::trtllm::Finish::kTimedOut));
static_assert(
    static_cast<int>(tle::FinishReason::kCANCELLED) == static_cast<int>(evalgate::trtllm::Finish::kCancelled));
static_assert(std::is_same_v<decltype(std::declval<tle::Executor&>().enqueueRequest(std::declval<tle::Request const&>())),
    tle::IdType>);
static_assert(std::is_same_v<decltype(std::declval<tle::Executor&>().awaitResponses(
                                 std::declval<std::optional<std::chrono::milliseconds> const&>())),
    std::vector<tle::Response>>);
static_assert(std::is_same_v<decltype(std::declval<tle::Result const&>().outputTokenIds), tle::BeamTokens>);
static_assert(std::is_same_v<decltype(std::declval<tle::Result const&>().contextLogits), std::optional<tle::Tensor>>);

namespace evalgate::trtllm
{
namespace
{

std::string option(Options const& options, std::string const& key, std::string const& fallback = "")
{
    auto it = options.find(key);
    return it == options.end() ? fallback : it->second;
}

bool flag(Options const& options, std::string const& key, bool fallback)
{
    std::string const value = option(options, key, fallback ? "true" : "false");
    return value == "true" || value == "1";
}

tle::ExecutorConfig executorConfig(Options const& options)
{
    tle::KvCacheConfig kvCache;
    kvCache.setEnableBlockReuse(flag(options, "kv_cache_block_reuse", true));
    kvCache.setFreeGpuMemoryFraction(std::stof(option(options, "kv_cache_free_gpu_memory_fraction", "0.9")));

    tle::ExecutorConfig config(1);
    config.setKvCacheConfig(kvCache);
    // a request that started runs to its end: evaluation answers must not depend on what else was in the batch
    config.setSchedulerConfig(tle::SchedulerConfig(tle::CapacitySchedulerPolicy::kGUARANTEED_NO_EVICT));
    config.setBatchingType(tle::BatchingType::kINFLIGHT);
    if (!option(options, "max_batch_size").empty())
    {
        config.setMaxBatchSize(std::stoi(option(options, "max_batch_size")));
    }
    if (!option(options, "max_num_tokens").empty())
    {
        config.setMaxNumTokens(std::stoi(option(options, "max_num_tokens")));
    }
    config.setGatherGenerationLogits(flag(options, "gather_generation_logits", false));
    if (flag(options, "orchestrator", false))
    {
        // tensor-parallel engines: this process orchestrates and spawns one executorWorker per GPU over MPI, so the
        // gateway stays one process per node (leader mode would need the JVM itself started by mpirun)
        std::string worker = option(options, "worker_path", EVALGATE_DEFAULT_WORKER);
        tle::OrchestratorConfig orchestrator(true, worker);
        tle::ParallelConfig parallel(tle::CommunicationType::kMPI, tle::CommunicationMode::kORCHESTRATOR);
        parallel.setOrchestratorConfig(orchestrator);
        config.setParallelConfig(parallel);
    }
    return config;
}

std::filesystem::path engineDir(Options const& options)
{
    std::string dir = option(options, "engine_dir");
    if (dir.empty())
    {
        throw std::invalid_argument("engine_dir is not set");
    }
    // initTrtLlmPlugins registers the plugins the engine's layers name; once per process, before the first Executor
    static std::once_flag plugins;
    std::call_once(plugins,
        []
        {
            if (!initTrtLlmPlugins())
            {
                throw std::runtime_error("initTrtLlmPlugins failed: the TensorRT-LLM plugin library did not load");
            }
        });
    return dir;
}

/// Calls body with the tensor's data as a typed pointer, on the host.
template <typename Body>
void withHostRows(tle::Tensor const& tensor, Body&& body)
{
    bool const onHost = tensor.getMemoryType() == tle::MemoryType::kCPU
        || tensor.getMemoryType() == tle::MemoryType::kCPU_PINNED
        || tensor.getMemoryType() == tle::MemoryType::kCPU_PINNEDPOOL
        || tensor.getMemoryType() == tle::MemoryType::kUVM;
    tle::Tensor host = onHost ? tensor : tensor.copyToCpu();
    void const* data = host.getData();
    switch (host.getDataType())
    {
    case tle::DataType::kFP32: body(static_cast<float const*>(data), [](float x) { return x; }); break;
    case tle::DataType::kFP16: body(static_cast<half const*>(data), [](half x) { return __half2float(x); }); break;
    case tle::DataType::kBF16:
        body(static_cast<__nv_bfloat16 const*>(data), [](__nv_bfloat16 x) { return __bfloat162float(x); });
        break;
    default: throw std::runtime_error("logits of an unexpected data type");
    }
}

/// What the backend keeps of a request to turn logits into log-probabilities.
struct Tracked
{
    std::vector<std::int32_t> prompt;
    std::int32_t logprobs{-1};
    std::int32_t promptLogprobs{-1};
    bool promptLogprobsSent{false};
};

class TensorRtLlmBackend final : public Backend
{
public:
    explicit TensorRtLlmBackend(Options const& options)
        : mVocab(std::stoi(option(options, "vocab_size", "0")))
        , mExecutor(engineDir(options), tle::ModelType::kDECODER_ONLY, executorConfig(options))
    {
        if (!mExecutor.canEnqueueRequests())
        {
            throw std::runtime_error("this process cannot enqueue requests to the Executor (started under mpirun in "
                                     "leader mode?): evalgate runs tensor-parallel engines in orchestrator mode");
        }
    }

    std::uint64_t enqueue(GenerationSpec const& spec) override
    {
        tle::SamplingConfig sampling(1);
        if (spec.temperature <= 0.0F)
        {
            sampling.setTopK(1); // greedy
        }
        else
        {
            sampling.setTemperature(spec.temperature);
            // topP is set always: with neither topK nor topP set the Executor's defaults (both 0) are not "sample
            // from everything"
            sampling.setTopP(spec.topP);
            if (spec.topK > 0)
            {
                sampling.setTopK(spec.topK);
            }
        }
        if (spec.seed)
        {
            sampling.setSeed(*spec.seed);
        }

        tle::OutputConfig output;
        output.returnLogProbs = spec.logprobs >= 0;
        output.returnGenerationLogits = spec.logprobs > 0;
        output.returnContextLogits = spec.promptLogprobs >= 0;
        output.excludeInputFromOutput = true;

        tle::Request request(tle::VecTokens(spec.prompt.begin(), spec.prompt.end()), spec.maxTokens, true, sampling,
            output);
        // one end id; the others (Llama 3.1: <|eom_id|>, <|end_of_text|> after <|eot_id|>) as single-token stop words
        request.setEndId(spec.endIds.front());
        request.setPadId(spec.endIds.front());
        std::list<tle::VecTokens> stopWords;
        for (std::size_t i = 1; i < spec.endIds.size(); ++i)
        {
            stopWords.push_back(tle::VecTokens{spec.endIds[i]});
        }
        if (!stopWords.empty())
        {
            request.setStopWords(stopWords);
        }
        request.setClientId(spec.handle);
        // streamed results carry only the new tokens
        request.setReturnAllGeneratedTokens(false);

        // held across enqueue and registration, so that await never sees a response of an id it does not know
        std::lock_guard<std::mutex> lock(mMutex);
        tle::IdType const id = mExecutor.enqueueRequest(request);
        if (spec.logprobs >= 0 || spec.promptLogprobs >= 0)
        {
            mTracked[id] = Tracked{spec.prompt, spec.logprobs, spec.promptLogprobs, false};
        }
        return id;
    }

    std::vector<BackendResponse> await(std::chrono::milliseconds timeout) override
    {
        std::vector<tle::Response> responses = mExecutor.awaitResponses(timeout);
        std::vector<BackendResponse> out;
        out.reserve(responses.size());
        std::lock_guard<std::mutex> lock(mMutex);
        for (tle::Response const& response : responses)
        {
            BackendResponse b;
            b.requestId = response.getRequestId();
            auto tracked = mTracked.find(b.requestId);
            if (response.hasError())
            {
                b.isFinal = true;
                b.error = response.getErrorMsg();
            }
            else
            {
                tle::Result const& result = response.getResult();
                b.isFinal = result.isFinal;
                if (!result.finishReasons.empty())
                {
                    b.finish = static_cast<Finish>(static_cast<int>(result.finishReasons.front()));
                }
                if (!result.outputTokenIds.empty())
                {
                    b.tokens.assign(result.outputTokenIds.front().begin(), result.outputTokenIds.front().end());
                }
                if (tracked != mTracked.end())
                {
                    try
                    {
                        addLogprobs(result, tracked->second, b);
                    }
                    catch (std::exception const& e)
                    {
                        b.isFinal = true;
                        b.error = std::string("log-probabilities: ") + e.what();
                    }
                }
            }
            if (b.isFinal && tracked != mTracked.end())
            {
                mTracked.erase(tracked);
            }
            out.push_back(std::move(b));
        }
        return out;
    }

    void cancel(std::uint64_t requestId) override
    {
        mExecutor.cancelRequest(requestId);
    }

    void shutdown() override
    {
        mExecutor.shutdown();
    }

    std::string stats() override
    {
        std::lock_guard<std::mutex> lock(mStatsMutex);
        // returns, and forgets, the iterations since the last call: keep the newest for the next caller
        std::deque<tle::IterationStats> latest = mExecutor.getLatestIterationStats();
        if (!latest.empty())
        {
            mLastStats = latest.back();
        }
        std::ostringstream out;
        if (!mLastStats)
        {
            return out.str();
        }
        tle::IterationStats const& s = *mLastStats;
        out << "iteration=" << s.iter << '\n'
            << "iteration_latency_ms=" << s.iterLatencyMS << '\n'
            << "active_requests=" << s.numActiveRequests << '\n'
            << "queued_requests=" << s.numQueuedRequests << '\n'
            << "max_active_requests=" << s.maxNumActiveRequests << '\n'
            << "gpu_memory_bytes=" << s.gpuMemUsage << '\n';
        if (s.kvCacheStats)
        {
            out << "kv_cache_max_blocks=" << s.kvCacheStats->maxNumBlocks << '\n'
                << "kv_cache_free_blocks=" << s.kvCacheStats->freeNumBlocks << '\n'
                << "kv_cache_used_blocks=" << s.kvCacheStats->usedNumBlocks << '\n'
                << "kv_cache_reused_blocks=" << s.kvCacheStats->reusedBlocks << '\n';
        }
        return out.str();
    }

private:
    /// Log-probabilities of this result's tokens (and, once, of the prompt), computed where the logits lie.
    void addLogprobs(tle::Result const& result, Tracked& tracked, BackendResponse& b) const
    {
        std::size_t const n = b.tokens.size();
        if (tracked.logprobs >= 0 && n > 0)
        {
            b.logprobs.assign(n, -std::numeric_limits<float>::infinity());
            if (result.logProbs && !result.logProbs->empty())
            {
                // streamed results may carry more than this step's entries: the last n are this step's
                auto const& beam = result.logProbs->front();
                for (std::size_t i = 0; i < n && i < beam.size(); ++i)
                {
                    b.logprobs[n - 1 - i] = beam[beam.size() - 1 - i];
                }
            }
            b.topK = tracked.logprobs;
            b.topIds.assign(n * static_cast<std::size_t>(b.topK), -1);
            b.topLogprobs.assign(b.topIds.size(), -std::numeric_limits<float>::infinity());
            if (b.topK > 0 && result.generationLogits)
            {
                addGenerationTop(*result.generationLogits, b);
            }
        }
        if (tracked.promptLogprobs >= 0 && !tracked.promptLogprobsSent && result.contextLogits)
        {
            tracked.promptLogprobsSent = true;
            addPromptLogprobs(*result.contextLogits, tracked, b);
        }
    }

    /// Streamed generation logits are [rows, beam, vocabPadded], one row per new token (the last rows if fewer).
    void addGenerationTop(tle::Tensor const& logits, BackendResponse& b) const
    {
        tle::Shape const shape = logits.getShape();
        if (shape.size() != 3)
        {
            throw std::runtime_error("generation logits of rank " + std::to_string(shape.size()));
        }
        auto const rows = static_cast<std::size_t>(shape[0]);
        auto const stride = static_cast<std::size_t>(shape[1] * shape[2]);
        std::int32_t const vocab = vocabulary(shape[2]);
        std::size_t const n = b.tokens.size();
        auto const k = static_cast<std::size_t>(b.topK);
        withHostRows(logits,
            [&](auto const* data, auto toFloat)
            {
                for (std::size_t i = 0; i < n && i < rows; ++i)
                {
                    std::size_t const token = n - 1 - i;
                    RowLogprobs lp
                        = rowLogprobs(data + (rows - 1 - i) * stride, vocab, b.tokens[token], b.topK, toFloat);
                    b.logprobs[token] = lp.chosen; // from the same row as the alternatives, so they compare
                    std::copy(lp.topIds.begin(), lp.topIds.end(), b.topIds.begin() + token * k);
                    std::copy(lp.topLogprobs.begin(), lp.topLogprobs.end(), b.topLogprobs.begin() + token * k);
                }
            });
    }

    /// Context logits are [promptLen, vocabPadded]: row j-1 predicts prompt token j.
    void addPromptLogprobs(tle::Tensor const& logits, Tracked const& tracked, BackendResponse& b) const
    {
        tle::Shape const shape = logits.getShape();
        std::size_t const positions = tracked.prompt.size();
        if (shape.size() != 2 || static_cast<std::size_t>(shape[0]) != positions)
        {
            throw std::runtime_error("context logits cover " + std::to_string(shape.size() == 2 ? shape[0] : -1)
                + " positions of a " + std::to_string(positions) + "-token prompt");
        }
        std::int32_t const vocab = vocabulary(shape[1]);
        auto const stride = static_cast<std::size_t>(shape[1]);
        b.hasPromptLogprobs = true;
        b.promptTopK = tracked.promptLogprobs;
        withHostRows(logits,
            [&](auto const* data, auto toFloat)
            {
                for (std::size_t j = 1; j < positions; ++j)
                {
                    RowLogprobs lp
                        = rowLogprobs(data + (j - 1) * stride, vocab, tracked.prompt[j], tracked.promptLogprobs, toFloat);
                    b.promptLogprobs.push_back(lp.chosen);
                    lp.topIds.resize(static_cast<std::size_t>(b.promptTopK), -1);
                    lp.topLogprobs.resize(lp.topIds.size(), -std::numeric_limits<float>::infinity());
                    b.promptTopIds.insert(b.promptTopIds.end(), lp.topIds.begin(), lp.topIds.end());
                    b.promptTopLogprobs.insert(b.promptTopLogprobs.end(), lp.topLogprobs.begin(), lp.topLogprobs.end());
                }
            });
    }

    /// The real vocabulary inside a padded logits row (padding to a multiple of the tensor-parallel size).
    std::int32_t vocabulary(std::int64_t padded) const
    {
        return mVocab > 0 && mVocab < padded ? mVocab : static_cast<std::int32_t>(padded);
    }

    std::int32_t const mVocab;
    tle::Executor mExecutor;
    std::mutex mMutex;
    std::unordered_map<tle::IdType, Tracked> mTracked;
    std::mutex mStatsMutex;
    std::optional<tle::IterationStats> mLastStats;
};

} // namespace

std::unique_ptr<Backend> createBackend(Options const& options)
{
    return std::make_unique<TensorRtLlmBackend>(options);
}

} // namespace evalgate::trtllm
