package dev.evalgate.engine.trtllm;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.SamplingParams;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The native bridge of one engine ({@code src/main/cpp}): submit, cancel, drain, close. Every native method rethrows
 * C++ exceptions as {@link TrtLlmNativeException}. Calls may come from any thread; {@link #close()} waits for those in
 * progress and makes later ones fail, so native memory is never used after it is freed.
 */
final class TrtLlmBridge implements AutoCloseable {

    static final String LIBRARY_NAME = "evalgate_trtllm";

    /** Where the native library was loaded from, once per JVM: a JNI library binds to one class loader only. */
    private static String loadedFrom;

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private long address;

    private TrtLlmBridge(long address) {
        this.address = address;
    }

    /**
     * Loads the bridge library from {@code library}, or by name from {@code java.library.path}. A missing library is a
     * {@link ConfigurationException}, which Quarkus prints as its message alone: one line that says what to build and
     * where to point the setting.
     */
    static synchronized void load(Optional<Path> library) {
        if (library.isPresent() && !Files.isRegularFile(library.get())) {
            throw new ConfigurationException(missing("evalgate.engine.trtllm.library is " + library.get()
                    + ", which is not a file"));
        }
        if (loadedFrom != null) {
            return;
        }
        try {
            if (library.isPresent()) {
                System.load(library.get().toAbsolutePath().toString());
                loadedFrom = library.get().toAbsolutePath().toString();
            } else {
                System.loadLibrary(LIBRARY_NAME);
                loadedFrom = "java.library.path";
            }
        } catch (UnsatisfiedLinkError e) {
            // no cause attached: Quarkus prints a configuration error's message alone only when it is the root cause
            throw new ConfigurationException(missing(library.isPresent()
                    ? library.get() + " does not load: " + e.getMessage()
                    : "lib" + LIBRARY_NAME + ".so is not on java.library.path ("
                            + System.getProperty("java.library.path") + ")"));
        }
    }

    private static String missing(String why) {
        return "evalgate.engine=trtllm needs the TensorRT-LLM bridge library lib" + LIBRARY_NAME + ".so, built "
                + "against TensorRT-LLM 1.2.1, and " + why + ". Build it where TensorRT-LLM 1.2.1 is installed (the "
                + "GPU image src/main/docker/Dockerfile.trtllm does) with `mvn -B -Ptrtllm package -DskipTests`, which "
                + "writes target/native/lib" + LIBRARY_NAME + ".so, and set EVALGATE_ENGINE_TRTLLM_LIBRARY to that "
                + "file (docs/tensorrt-llm.md)";
    }

    /** Creates the native backend (for TensorRT-LLM: loads the engine; blocking, minutes for a large one). */
    static TrtLlmBridge open(Map<String, String> options) {
        String[] keys = options.keySet().toArray(String[]::new);
        String[] values = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            values[i] = options.get(keys[i]);
        }
        return new TrtLlmBridge(create(keys, values));
    }

    /**
     * Registers and enqueues a request under {@code handle}, with the sampling of {@code request}.
     *
     * @param seed the seed to sample with (the caller picks one when the request has none)
     * @param endIds token ids that end the sequence, the Executor's end id first
     */
    void submit(long handle, GenerationRequest request, long seed, int[] endIds) {
        SamplingParams s = request.sampling();
        lock.readLock().lock();
        try {
            submit(live(), handle, request.promptTokens(), s.maxTokens(), (float) s.temperature(), (float) s.topP(),
                    s.topK(), seed, true, endIds, s.logprobs(), s.promptLogprobs());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Asks the Executor to stop the request; false when it was not in flight or already asked. */
    boolean cancel(long handle) {
        lock.readLock().lock();
        try {
            return cancel(live(), handle);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Fills {@code buffer} from its start with the records of ready responses ({@link NativeResponse}), waiting at
     * most {@code timeoutMillis} when none is ready. Returns the bytes written, or minus the size the buffer needs to
     * hold the next record. One thread only: the pump.
     */
    int drain(int timeoutMillis, ByteBuffer buffer) {
        lock.readLock().lock();
        try {
            return drain(live(), timeoutMillis, buffer);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The backend's figures, one {@code key=value} a line. */
    String stats() {
        lock.readLock().lock();
        try {
            return address == 0 ? "" : stats(address);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Requests the native side has in flight. */
    int requestCount() {
        lock.readLock().lock();
        try {
            return address == 0 ? 0 : requestCount(address);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Cancels what is in flight, shuts the backend down and frees the native side. Idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (address != 0) {
                long closing = address;
                address = 0;
                destroy(closing);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private long live() {
        if (address == 0) {
            throw new EngineException("the TensorRT-LLM bridge is closed");
        }
        return address;
    }

    /** Native request states alive in this process, over all bridges: 0 when none leaked. */
    static long liveNativeRequests() {
        return liveRequests();
    }

    /** Native bridges alive in this process. */
    static long liveNativeBridges() {
        return liveBridges();
    }

    private static native long create(String[] keys, String[] values);

    private static native void submit(long bridge, long handle, int[] prompt, int maxTokens, float temperature,
            float topP, int topK, long seed, boolean hasSeed, int[] endIds, int logprobs, int promptLogprobs);

    private static native boolean cancel(long bridge, long handle);

    private static native int drain(long bridge, int timeoutMillis, ByteBuffer buffer);

    private static native String stats(long bridge);

    private static native int requestCount(long bridge);

    private static native void destroy(long bridge);

    private static native long liveRequests();

    private static native long liveBridges();
}
