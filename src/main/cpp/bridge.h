// The JNI side's core: request handles, serialised enqueue, the pump's drain into a caller-owned buffer, clean
// shutdown. Written against Backend only, so CI builds and tests exactly this code with the test double.
#pragma once

#include "backend.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace evalgate::trtllm
{

/// One bridge per engine. Threads: submit and cancel from any thread (they serialise on one lock, because the
/// Executor's enqueue is not thread-safe); drain from exactly one pump thread (awaitResponses without an id drains the
/// responses of every request, so a second caller would steal them); shutdown once, after the pump stopped.
class Bridge
{
public:
    explicit Bridge(std::unique_ptr<Backend> backend);
    ~Bridge();
    Bridge(Bridge const&) = delete;
    Bridge& operator=(Bridge const&) = delete;

    /// Registers the request under its handle, then enqueues it: a response can never arrive for a handle the bridge
    /// does not know yet. Throws what the backend throws, and leaves nothing registered then.
    void submit(GenerationSpec spec);

    /// Asks the backend to stop the request; false when the request is not in flight (finished, or never submitted)
    /// or was already asked to stop. Its final response still comes through drain.
    bool cancel(std::uint64_t handle);

    /// Writes the records of ready responses into buffer, waiting at most timeout when none is ready. Returns the bytes
    /// written (0: nothing was ready), or minus the size of the next record when even that one does not fit an empty
    /// buffer: the caller grows it and calls again. Responses that did not fit wait for the next call.
    long drain(std::chrono::milliseconds timeout, std::uint8_t* buffer, std::size_t capacity);

    /// Cancels every request in flight, stops the backend, and forgets every request.
    void shutdown();

    /// Requests in flight: submitted and not yet finished.
    std::size_t requestCount() const;

    std::string stats();

    /// Request states alive in this process, across bridges: 0 once every request finished or its bridge closed.
    static long liveRequests();

    /// Bridges alive in this process.
    static long liveBridges();

private:
    /// What the bridge keeps of one request in flight; counted, so tests can see that none leaks.
    struct RequestState
    {
        explicit RequestState(std::uint64_t handle);
        ~RequestState();
        RequestState(RequestState const&) = delete;
        RequestState& operator=(RequestState const&) = delete;

        std::uint64_t handle;
        std::optional<std::uint64_t> requestId;
        bool cancelRequested{false};
    };

    struct Ready
    {
        std::uint64_t handle;
        BackendResponse response;
    };

    /// Takes responses from the backend and pairs each with its handle; finished requests are forgotten here.
    void collect(std::chrono::milliseconds timeout);

    std::unique_ptr<Backend> mBackend;
    mutable std::mutex mMutex;
    std::unordered_map<std::uint64_t, std::unique_ptr<RequestState>> mByHandle;
    std::unordered_map<std::uint64_t, std::uint64_t> mHandleByRequestId;
    bool mShutDown{false};
    /// Only the pump touches it, so it needs no lock.
    std::deque<Ready> mReady;

    static std::atomic<long> sLiveRequests;
    static std::atomic<long> sLiveBridges;
};

} // namespace evalgate::trtllm
