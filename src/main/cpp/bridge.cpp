#include "bridge.h"

#include "response_records.h"

#include <limits>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace evalgate::trtllm
{

std::atomic<long> Bridge::sLiveRequests{0};
std::atomic<long> Bridge::sLiveBridges{0};

Bridge::RequestState::RequestState(std::uint64_t handle)
    : handle(handle)
{
    sLiveRequests.fetch_add(1);
}

Bridge::RequestState::~RequestState()
{
    sLiveRequests.fetch_sub(1);
}

Bridge::Bridge(std::unique_ptr<Backend> backend)
    : mBackend(std::move(backend))
{
    if (!mBackend)
    {
        throw std::invalid_argument("no backend");
    }
    sLiveBridges.fetch_add(1);
}

Bridge::~Bridge()
{
    try
    {
        shutdown();
    }
    catch (...)
    {
        // a destructor must not throw; shutdown already forgot every request
    }
    sLiveBridges.fetch_sub(1);
}

void Bridge::submit(GenerationSpec spec)
{
    std::lock_guard<std::mutex> lock(mMutex);
    if (mShutDown)
    {
        throw std::logic_error("the TensorRT-LLM bridge is shut down");
    }
    if (spec.endIds.empty())
    {
        throw std::invalid_argument("a request needs at least one end token id");
    }
    auto [it, inserted] = mByHandle.emplace(spec.handle, std::make_unique<RequestState>(spec.handle));
    if (!inserted)
    {
        throw std::invalid_argument("request handle " + std::to_string(spec.handle) + " is already in flight");
    }
    std::uint64_t requestId = 0;
    try
    {
        requestId = mBackend->enqueue(spec);
    }
    catch (...)
    {
        mByHandle.erase(it);
        throw;
    }
    it->second->requestId = requestId;
    mHandleByRequestId[requestId] = spec.handle;
}

bool Bridge::cancel(std::uint64_t handle)
{
    std::lock_guard<std::mutex> lock(mMutex);
    auto it = mByHandle.find(handle);
    if (mShutDown || it == mByHandle.end() || !it->second->requestId || it->second->cancelRequested)
    {
        return false;
    }
    it->second->cancelRequested = true;
    mBackend->cancel(*it->second->requestId);
    return true;
}

void Bridge::collect(std::chrono::milliseconds timeout)
{
    // waits without the lock: submit and cancel go on while the pump waits
    std::vector<BackendResponse> responses = mBackend->await(timeout);
    std::lock_guard<std::mutex> lock(mMutex);
    for (auto& response : responses)
    {
        auto known = mHandleByRequestId.find(response.requestId);
        if (known == mHandleByRequestId.end())
        {
            // not ours any more: the Executor answers an id it already finished with an error response
            continue;
        }
        std::uint64_t const handle = known->second;
        if (response.isFinal || !response.error.empty())
        {
            mByHandle.erase(handle);
            mHandleByRequestId.erase(known);
        }
        mReady.push_back(Ready{handle, std::move(response)});
    }
}

long Bridge::drain(std::chrono::milliseconds timeout, std::uint8_t* buffer, std::size_t capacity)
{
    {
        std::lock_guard<std::mutex> lock(mMutex);
        if (mShutDown)
        {
            throw std::logic_error("the TensorRT-LLM bridge is shut down");
        }
    }
    if (mReady.empty())
    {
        collect(timeout);
    }
    std::size_t used = 0;
    while (!mReady.empty())
    {
        Ready const& next = mReady.front();
        std::size_t const bytes = records::size(next.response);
        if (bytes > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        {
            throw std::length_error("a response record of " + std::to_string(bytes) + " bytes is too large");
        }
        if (used + bytes > capacity)
        {
            if (used == 0)
            {
                return -static_cast<long>(bytes);
            }
            break;
        }
        records::write(next.response, next.handle, buffer + used);
        used += bytes;
        mReady.pop_front();
    }
    return static_cast<long>(used);
}

void Bridge::shutdown()
{
    std::unique_lock<std::mutex> lock(mMutex);
    if (mShutDown)
    {
        return;
    }
    mShutDown = true;
    // cancelled first, so that a backend whose shutdown waits for its requests (the Executor's does) returns soon
    for (auto const& [handle, state] : mByHandle)
    {
        if (state->requestId && !state->cancelRequested)
        {
            try
            {
                mBackend->cancel(*state->requestId);
            }
            catch (...)
            {
                // shutting down regardless
            }
        }
    }
    lock.unlock();
    mBackend->shutdown();
    lock.lock();
    mByHandle.clear();
    mHandleByRequestId.clear();
    mReady.clear();
}

std::size_t Bridge::requestCount() const
{
    std::lock_guard<std::mutex> lock(mMutex);
    return mByHandle.size();
}

std::string Bridge::stats()
{
    std::ostringstream out;
    out << "bridge_requests=" << requestCount() << '\n';
    {
        std::lock_guard<std::mutex> lock(mMutex);
        if (mShutDown)
        {
            return out.str();
        }
    }
    out << mBackend->stats();
    return out.str();
}

long Bridge::liveRequests()
{
    return sLiveRequests.load();
}

long Bridge::liveBridges()
{
    return sLiveBridges.load();
}

} // namespace evalgate::trtllm
