// FakeExecutorBackend: a deterministic test double of TensorRT-LLM's Executor behind the bridge's Backend interface,
// so CI builds and tests the real JNI side (bridge.cpp, jni_bridge.cpp, response_records.cpp) without a GPU.
//
// The "model" echoes its prompt: generated token i is prompt[i % prompt length]. It has in-flight batching with a
// number of slots: requests beyond them wait queued and run no prefill until a slot frees. End ids behave as the
// Executor's: the end id finishes the sequence without being returned, a stop word is returned and then finishes it.
// Log-probabilities come from a made-up logits row per position: 0 everywhere but 8 for the token that follows.
//
// Options (all optional): fake.slots (default 1024), fake.step_micros (pause before each decode step, default 0),
// fake.tokens_per_step (tokens per request per step, like speculative decoding, default 1), fake.vocab_size
// (default 128256), fake.gate_file (no step runs while this file does not exist), fake.fail_create (creating the
// backend throws this message), also from the environment variable EVALGATE_FAKE_EXECUTOR_OPTIONS (k=v,k=v). Its stats
// list every option it was given as option.<key>=<value>.
// Directives: negative ids in a prompt are instructions, not tokens: -1 enqueue throws a std::runtime_error, -2 n the
// request fails with an error response after n tokens, -3 the next awaitResponses throws, -4 enqueue throws something
// that is not a std::exception.

#include "backend.h"
#include "logprob_row.h"

#include <pthread.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace evalgate::trtllm
{
namespace
{

constexpr float kNextTokenLogit = 8.0F;
constexpr std::size_t kMaxBufferedResponses = 4096;

std::string option(Options const& options, std::string const& key, std::string const& fallback)
{
    auto it = options.find(key);
    return it == options.end() ? fallback : it->second;
}

class FakeExecutorBackend final : public Backend
{
public:
    explicit FakeExecutorBackend(Options const& options)
        : mSlots(std::stoul(option(options, "fake.slots", "1024")))
        , mStepMicros(std::stol(option(options, "fake.step_micros", "0")))
        , mTokensPerStep(std::stoi(option(options, "fake.tokens_per_step", "1")))
        , mVocab(std::stoi(option(options, "fake.vocab_size", "128256")))
        , mGateFile(option(options, "fake.gate_file", ""))
        , mRow(static_cast<std::size_t>(mVocab), 0.0F)
        , mOptions(options)
    {
        auto failure = options.find("fake.fail_create");
        if (failure != options.end())
        {
            throw std::runtime_error(failure->second);
        }
        mWorker = std::thread([this] { run(); });
        pthread_setname_np(mWorker.native_handle(), "fake-executor");
    }

    ~FakeExecutorBackend() override
    {
        shutdown();
    }

    std::uint64_t enqueue(GenerationSpec const& spec) override
    {
        Request request;
        request.spec = spec;
        for (std::size_t i = 0; i < spec.prompt.size(); ++i)
        {
            std::int32_t const id = spec.prompt[i];
            if (id == -1)
            {
                throw std::runtime_error("fake executor: enqueue refused (directive -1)");
            }
            if (id == -4)
            {
                throw 42;
            }
            if (id == -2 && i + 1 < spec.prompt.size())
            {
                request.failAfter = spec.prompt[++i];
            }
            else if (id == -3)
            {
                request.failAwait = true;
            }
            else if (id >= 0)
            {
                request.content.push_back(id);
            }
        }
        std::lock_guard<std::mutex> lock(mMutex);
        if (mStop)
        {
            throw std::runtime_error("fake executor: enqueue after shutdown");
        }
        request.id = ++mLastId;
        mLast = spec;
        ++mEnqueued;
        if (request.failAwait)
        {
            mAwaitFailurePending = true;
            mResponsesReady.notify_all();
        }
        mQueued.push_back(std::move(request));
        mWork.notify_all();
        return mLastId;
    }

    std::vector<BackendResponse> await(std::chrono::milliseconds timeout) override
    {
        std::unique_lock<std::mutex> lock(mMutex);
        mResponsesReady.wait_for(
            lock, timeout, [this] { return mStop || mAwaitFailurePending || !mResponses.empty(); });
        if (mStop)
        {
            throw std::runtime_error("fake executor: awaitResponses after shutdown");
        }
        if (mAwaitFailurePending)
        {
            mAwaitFailurePending = false;
            throw std::runtime_error("fake executor: awaitResponses failed (directive -3)");
        }
        std::vector<BackendResponse> out(
            std::make_move_iterator(mResponses.begin()), std::make_move_iterator(mResponses.end()));
        mResponses.clear();
        mWork.notify_all();
        return out;
    }

    void cancel(std::uint64_t requestId) override
    {
        std::lock_guard<std::mutex> lock(mMutex);
        auto queued = std::find_if(mQueued.begin(), mQueued.end(), [&](auto const& r) { return r.id == requestId; });
        if (queued != mQueued.end())
        {
            // still waiting for a slot: it leaves without running its prefill
            mQueued.erase(queued);
        }
        else
        {
            auto active
                = std::find_if(mActive.begin(), mActive.end(), [&](auto const& r) { return r.id == requestId; });
            if (active == mActive.end())
            {
                return;
            }
            mActive.erase(active);
        }
        ++mCancelled;
        BackendResponse response;
        response.requestId = requestId;
        response.isFinal = true;
        response.finish = Finish::kCancelled;
        mResponses.push_back(std::move(response));
        mResponsesReady.notify_all();
        mWork.notify_all();
    }

    void shutdown() override
    {
        {
            std::lock_guard<std::mutex> lock(mMutex);
            if (mStop)
            {
                return;
            }
            mStop = true;
            mQueued.clear();
            mActive.clear();
            mResponses.clear();
            mWork.notify_all();
            mResponsesReady.notify_all();
        }
        if (mWorker.joinable())
        {
            mWorker.join();
        }
    }

    std::string stats() override
    {
        std::lock_guard<std::mutex> lock(mMutex);
        std::ostringstream out;
        out << "fake_enqueued=" << mEnqueued << '\n'
            << "fake_prefills=" << mPrefills << '\n'
            << "fake_cancelled=" << mCancelled << '\n'
            << "fake_queued=" << mQueued.size() << '\n'
            << "fake_active=" << mActive.size() << '\n'
            << "fake_last_max_tokens=" << mLast.maxTokens << '\n'
            << "fake_last_temperature=" << mLast.temperature << '\n'
            << "fake_last_top_p=" << mLast.topP << '\n'
            << "fake_last_top_k=" << mLast.topK << '\n'
            << "fake_last_seed=" << (mLast.seed ? std::to_string(*mLast.seed) : "none") << '\n'
            << "fake_last_logprobs=" << mLast.logprobs << '\n'
            << "fake_last_prompt_logprobs=" << mLast.promptLogprobs << '\n'
            << "fake_last_end_ids=";
        for (std::size_t i = 0; i < mLast.endIds.size(); ++i)
        {
            out << (i == 0 ? "" : ",") << mLast.endIds[i];
        }
        out << '\n';
        // what the Java side configured, so tests can check the settings reach the backend
        for (auto const& [key, value] : mOptions)
        {
            out << "option." << key << '=' << value << '\n';
        }
        return out.str();
    }

private:
    struct Request
    {
        std::uint64_t id{0};
        GenerationSpec spec;
        std::vector<std::int32_t> content;
        std::int32_t failAfter{-1};
        bool failAwait{false};
        std::int32_t generated{0};
        bool promptLogprobsSent{false};
    };

    bool gateOpen() const
    {
        struct stat st
        {
        };

        return mGateFile.empty() || ::stat(mGateFile.c_str(), &st) == 0;
    }

    void run()
    {
        std::unique_lock<std::mutex> lock(mMutex);
        while (!mStop)
        {
            mWork.wait(lock, [this] { return mStop || !mQueued.empty() || !mActive.empty(); });
            if (mStop)
            {
                break;
            }
            if (!gateOpen())
            {
                // the test double's only poll: a closed gate holds every step until a test opens it
                mWork.wait_for(lock, std::chrono::milliseconds(2));
                continue;
            }
            if (mStepMicros > 0)
            {
                mWork.wait_for(lock, std::chrono::microseconds(mStepMicros));
                if (mStop)
                {
                    break;
                }
            }
            if (mResponses.size() > kMaxBufferedResponses)
            {
                mWork.wait(lock, [this] { return mStop || mResponses.size() <= kMaxBufferedResponses; });
                continue;
            }
            while (mActive.size() < mSlots && !mQueued.empty())
            {
                mActive.push_back(std::move(mQueued.front()));
                mQueued.pop_front();
                ++mPrefills;
            }
            for (auto it = mActive.begin(); it != mActive.end();)
            {
                it = step(*it) ? mActive.erase(it) : it + 1;
            }
            mResponsesReady.notify_all();
        }
    }

    /// One decode step of one request; true when the request is over.
    bool step(Request& r)
    {
        BackendResponse response;
        response.requestId = r.id;
        bool const wantLogprobs = r.spec.logprobs >= 0;
        if (r.spec.promptLogprobs >= 0 && !r.promptLogprobsSent)
        {
            r.promptLogprobsSent = true;
            response.hasPromptLogprobs = true;
            response.promptTopK = r.spec.promptLogprobs;
            for (std::size_t j = 1; j < r.spec.prompt.size(); ++j)
            {
                RowLogprobs lp = logprobs(r.spec.prompt[j], r.spec.prompt[j], r.spec.promptLogprobs);
                response.promptLogprobs.push_back(lp.chosen);
                response.promptTopIds.insert(response.promptTopIds.end(), lp.topIds.begin(), lp.topIds.end());
                response.promptTopLogprobs.insert(
                    response.promptTopLogprobs.end(), lp.topLogprobs.begin(), lp.topLogprobs.end());
            }
        }
        for (int t = 0; t < mTokensPerStep; ++t)
        {
            if (r.failAfter >= 0 && r.generated >= r.failAfter)
            {
                BackendResponse failure;
                failure.requestId = r.id;
                failure.isFinal = true;
                failure.error = "fake executor: request failed after " + std::to_string(r.generated) + " tokens";
                if (!response.tokens.empty() || response.hasPromptLogprobs)
                {
                    mResponses.push_back(std::move(response));
                }
                mResponses.push_back(std::move(failure));
                return true;
            }
            std::int32_t const token
                = r.content.empty() ? 0 : r.content[static_cast<std::size_t>(r.generated) % r.content.size()];
            ++r.generated;
            auto const& endIds = r.spec.endIds;
            bool const isEndId = !endIds.empty() && token == endIds.front();
            bool const isStopWord = !isEndId && std::find(endIds.begin(), endIds.end(), token) != endIds.end();
            if (!isEndId)
            {
                response.tokens.push_back(token);
                if (wantLogprobs)
                {
                    RowLogprobs lp = logprobs(token, token, r.spec.logprobs);
                    response.logprobs.push_back(lp.chosen);
                    response.topK = r.spec.logprobs;
                    response.topIds.insert(response.topIds.end(), lp.topIds.begin(), lp.topIds.end());
                    response.topLogprobs.insert(response.topLogprobs.end(), lp.topLogprobs.begin(), lp.topLogprobs.end());
                }
            }
            if (isEndId || isStopWord || r.generated >= r.spec.maxTokens)
            {
                response.isFinal = true;
                response.finish = isEndId ? Finish::kEndId : isStopWord ? Finish::kStopWords : Finish::kLength;
                break;
            }
        }
        bool const over = response.isFinal;
        mResponses.push_back(std::move(response));
        return over;
    }

    /// The made-up row of a position whose next token is `next`, as the bridge's real log-probability code sees it.
    RowLogprobs logprobs(std::int32_t next, std::int32_t chosen, std::int32_t k)
    {
        bool const inRange = next >= 0 && next < mVocab;
        if (inRange)
        {
            mRow[static_cast<std::size_t>(next)] = kNextTokenLogit;
        }
        RowLogprobs out = rowLogprobs(mRow.data(), mVocab, chosen, k, [](float x) { return x; });
        if (inRange)
        {
            mRow[static_cast<std::size_t>(next)] = 0.0F;
        }
        return out;
    }

    std::size_t const mSlots;
    long const mStepMicros;
    int const mTokensPerStep;
    std::int32_t const mVocab;
    std::string const mGateFile;
    std::vector<float> mRow; // worker thread only
    Options const mOptions;

    std::mutex mMutex;
    std::condition_variable mWork;
    std::condition_variable mResponsesReady;
    std::deque<Request> mQueued;
    std::vector<Request> mActive;
    std::deque<BackendResponse> mResponses;
    GenerationSpec mLast;
    std::uint64_t mLastId{0};
    long mEnqueued{0};
    long mPrefills{0};
    long mCancelled{0};
    bool mAwaitFailurePending{false};
    bool mStop{false};
    std::thread mWorker;
};

} // namespace

std::unique_ptr<Backend> createBackend(Options const& options)
{
    // a gateway started as a process (TrtLlmGatewayIT) cannot pass fake.* options through evalgate's settings: they
    // come from the environment there, as key=value pairs separated by commas
    Options merged = options;
    if (char const* env = std::getenv("EVALGATE_FAKE_EXECUTOR_OPTIONS"))
    {
        std::istringstream pairs(env);
        std::string pair;
        while (std::getline(pairs, pair, ','))
        {
            auto eq = pair.find('=');
            if (eq != std::string::npos)
            {
                merged[pair.substr(0, eq)] = pair.substr(eq + 1);
            }
        }
    }
    return std::make_unique<FakeExecutorBackend>(merged);
}

} // namespace evalgate::trtllm
