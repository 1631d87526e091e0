package dev.evalgate.engine.trtllm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.jboss.logging.Logger;

import dev.evalgate.engine.EngineCapabilities;
import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.EngineStatus;
import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.GenerationStep;
import dev.evalgate.engine.InferenceEngine;
import dev.evalgate.engine.ModelMetadata;
import dev.evalgate.engine.SamplingParams;
import dev.evalgate.prompt.HuggingFaceTokenizerFile;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The production engine: TensorRT-LLM 1.2.1's C++ Executor over JNI, serving an engine directory that
 * {@code trtllm-build} wrote, with the prompt as the token ids evalgate rendered and the text decoded here.
 *
 * <p>Threading. One {@code trtllm-control} thread makes every call that changes the Executor's set of requests
 * (submit, cancel), in the order they were asked for: a cancel never overtakes its submit, and a request cancelled
 * before its submit ran never reaches the Executor. One {@code trtllm-pump} thread drains the Executor's responses for
 * all requests through a direct buffer, once per engine iteration rather than once per token, decodes them and emits
 * the steps; subscribers hear from it. Neither is a Vert.x thread, and nothing here blocks the caller of
 * {@link #generate}.
 *
 * <p>Health: ready once the engine is loaded and a one-token warm-up request has produced its token.
 */
public final class TrtLlmEngine implements InferenceEngine {

    private static final Logger LOG = Logger.getLogger(TrtLlmEngine.class);
    /** How long the pump waits for a response; it bounds how soon it notices shutdown, not latency. */
    private static final int POLL_MILLIS = 20;
    private static final int INITIAL_BUFFER_BYTES = 1 << 20;
    /** OpenAI's limit on top_logprobs; the engine computes them from gathered logits. */
    private static final int MAX_TOP_LOGPROBS = 20;

    private final TrtLlmBridge bridge;
    private final ByteLevelVocabulary vocabulary;
    private final int[] endIds;
    private final EngineBuildConfig build;
    /** Sequences the Executor batches together: the setting, else what the engine was built for. */
    private final int maxBatchSize;
    private final String modelName;
    private final ModelMetadata metadata;
    private final Path tokenizerDir;
    private final Path nativeCacheDir;
    private final Map<Long, TrtLlmStream> streams = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong();
    private final ExecutorService control;
    private final Thread pump;
    private volatile boolean running = true;
    private volatile boolean closed;
    private volatile boolean ready;
    private volatile String lastError;
    private volatile HuggingFaceTokenizerFile tokenizer;

    /**
     * How to run TensorRT-LLM.
     *
     * @param engineDir the folder {@code trtllm-build} wrote
     * @param tokenizer the Hugging Face tokenizer folder of the same model
     * @param library the bridge library, or empty for {@code java.library.path}
     * @param maxBatchSize sequences batched together, or empty for the engine's own maximum
     * @param maxNumTokens tokens per iteration, or empty for the engine's own maximum
     * @param kvCacheFreeGpuMemoryFraction share of the GPU memory left after loading that the KV cache takes
     * @param kvCacheBlockReuse reuse the KV cache of a shared prompt prefix (the system prompt) across requests
     * @param workerPath TensorRT-LLM's {@code executorWorker}, for engines on more than one GPU; empty for the one
     *        next to the library the bridge was built against
     */
    public record Settings(Optional<Path> engineDir, Optional<Path> tokenizer, Optional<Path> library,
            Optional<Integer> maxBatchSize, Optional<Integer> maxNumTokens, double kvCacheFreeGpuMemoryFraction,
            boolean kvCacheBlockReuse, Optional<Path> workerPath) {
    }

    private TrtLlmEngine(TrtLlmBridge bridge, ByteLevelVocabulary vocabulary, int[] endIds, EngineBuildConfig build,
            int maxBatchSize, String modelName, Path tokenizerDir, Path nativeCacheDir) {
        this.bridge = bridge;
        this.maxBatchSize = maxBatchSize;
        this.vocabulary = vocabulary;
        this.endIds = endIds;
        this.build = build;
        this.modelName = modelName;
        this.tokenizerDir = tokenizerDir;
        this.nativeCacheDir = nativeCacheDir;
        OptionalInt bos = vocabulary.addedToken("<|begin_of_text|>");
        this.metadata = new ModelMetadata(Optional.of(tokenizerDir), Optional.empty(), bos, OptionalInt.of(endIds[0]),
                OptionalInt.of(vocabulary.size()));
        this.control = Executors.newSingleThreadExecutor(r -> daemon(r, "trtllm-control"));
        this.pump = daemon(this::pumpLoop, "trtllm-pump");
        pump.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Loads the bridge library, the tokenizer and the engine (blocking: minutes for a 70B engine), then sends the
     * warm-up request.
     *
     * @param dataDir where the tokenizer library may extract its native code
     */
    public static TrtLlmEngine start(Settings settings, Path dataDir) {
        return start(settings, dataDir, Map.of());
    }

    /** As {@link #start(Settings, Path)}, with backend options added (the tests' test double takes its own). */
    static TrtLlmEngine start(Settings settings, Path dataDir, Map<String, String> extraOptions) {
        TrtLlmBridge.load(settings.library());
        Path engineDir = settings.engineDir().orElseThrow(() -> new ConfigurationException("evalgate.engine=trtllm "
                + "needs evalgate.engine.trtllm.engine-dir (EVALGATE_ENGINE_TRTLLM_ENGINE_DIR): the folder "
                + "trtllm-build wrote"));
        EngineBuildConfig build = EngineBuildConfig.read(engineDir);
        Path tokenizerDir = settings.tokenizer().orElseThrow(() -> new ConfigurationException("evalgate.engine=trtllm "
                + "needs evalgate.tokenizer (EVALGATE_TOKENIZER): the Hugging Face tokenizer folder of the engine's "
                + "model"));
        ByteLevelVocabulary vocabulary;
        try {
            vocabulary = ByteLevelVocabulary.load(tokenizerDir.resolve("tokenizer.json"));
        } catch (IOException e) {
            throw new ConfigurationException("evalgate.tokenizer: " + e.getMessage());
        }
        if (build.vocabSize() > 0 && vocabulary.size() > build.vocabSize()) {
            throw new ConfigurationException("the tokenizer in " + tokenizerDir + " has " + vocabulary.size()
                    + " token ids but the engine in " + engineDir + " was built for " + build.vocabSize()
                    + ": they are not the same model");
        }
        int[] endIds = EndTokens.of(tokenizerDir, vocabulary);

        Map<String, String> options = new LinkedHashMap<>();
        options.put("engine_dir", engineDir.toAbsolutePath().toString());
        options.put("vocab_size", String.valueOf(build.vocabSize()));
        settings.maxBatchSize().ifPresent(n -> options.put("max_batch_size", String.valueOf(n)));
        settings.maxNumTokens().ifPresent(n -> options.put("max_num_tokens", String.valueOf(n)));
        options.put("kv_cache_free_gpu_memory_fraction", String.valueOf(settings.kvCacheFreeGpuMemoryFraction()));
        options.put("kv_cache_block_reuse", String.valueOf(settings.kvCacheBlockReuse()));
        options.put("gather_generation_logits", String.valueOf(build.gatherGenerationLogits()));
        // a tensor-parallel engine: the Executor spawns its own workers, one per GPU, and evalgate stays one process
        options.put("orchestrator", String.valueOf(build.worldSize() > 1));
        settings.workerPath().ifPresent(p -> options.put("worker_path", p.toAbsolutePath().toString()));
        options.putAll(extraOptions);

        long t0 = System.nanoTime();
        TrtLlmBridge bridge = TrtLlmBridge.open(options);
        LOG.infof("TensorRT-LLM engine %s loaded (%d GPU%s, max_seq_len %d, context logits %s, generation logits %s) "
                + "in %d ms", engineDir, build.worldSize(), build.worldSize() > 1 ? "s, orchestrator mode" : "",
                build.maxSeqLen(), build.gatherContextLogits(), build.gatherGenerationLogits(),
                (System.nanoTime() - t0) / 1_000_000);
        Path name = engineDir.toAbsolutePath().normalize().getFileName();
        TrtLlmEngine engine = new TrtLlmEngine(bridge, vocabulary, endIds, build,
                settings.maxBatchSize().orElse(build.maxBatchSize()), name == null ? "tensorrt-llm" : name.toString(),
                tokenizerDir, dataDir.resolve("djl"));
        engine.warmUp();
        return engine;
    }

    /** One greedy token from the BOS alone: the engine is ready once it came back. */
    private void warmUp() {
        int bos = metadata.bosTokenId().orElse(0);
        SamplingParams greedy = new SamplingParams(0, 1, 0, 0L, 1, List.of(), false);
        generate(new GenerationRequest("warm-up", new int[] {bos}, greedy)).subscribe().with(step -> {
            if (!ready) {
                ready = true;
                LOG.info("TensorRT-LLM engine ready: the warm-up request produced its token");
            }
        }, failure -> {
            lastError = "warm-up failed: " + failure.getMessage();
            LOG.errorf("TensorRT-LLM engine not ready: the warm-up request failed: %s", failure.getMessage());
        });
    }

    @Override
    public String name() {
        return "trtllm";
    }

    @Override
    public String modelName() {
        return modelName;
    }

    @Override
    public EngineCapabilities capabilities() {
        String missing = !build.gatherContextLogits() ? "log-probabilities of prompt tokens"
                : !build.gatherGenerationLogits() ? "the most likely alternatives of a token (top_logprobs)" : null;
        return new EngineCapabilities(build.maxSeqLen(), true, build.gatherContextLogits(),
                build.gatherGenerationLogits() ? MAX_TOP_LOGPROBS : 0,
                missing == null ? null : "this TensorRT-LLM engine was built without the logits that give " + missing
                        + ": rebuild it with trtllm-build --gather_all_token_logits (docs/tensorrt-llm.md)");
    }

    @Override
    public int[] tokenize(String text) {
        return tokenizer().encode(text, false);
    }

    @Override
    public String detokenize(int[] ids) {
        return vocabulary.decode(ids);
    }

    /** The DJL tokenizer, loaded on first use: the prompt layer has its own, so the engine rarely needs one. */
    private HuggingFaceTokenizerFile tokenizer() {
        HuggingFaceTokenizerFile t = tokenizer;
        if (t == null) {
            synchronized (this) {
                if (tokenizer == null) {
                    try {
                        tokenizer = HuggingFaceTokenizerFile.load(tokenizerDir.resolve("tokenizer.json"),
                                Files.createDirectories(nativeCacheDir));
                    } catch (IOException e) {
                        throw new EngineException("could not load " + tokenizerDir + ": " + e.getMessage(), e);
                    }
                }
                t = tokenizer;
            }
        }
        return t;
    }

    @Override
    public ModelMetadata metadata() {
        return metadata;
    }

    @Override
    public Multi<GenerationStep> generate(GenerationRequest request) {
        return Multi.createFrom().emitter(emitter -> start(request, emitter));
    }

    /** On the subscriber's thread: registers the stream, then hands the submit to the control thread. */
    private void start(GenerationRequest request, MultiEmitter<? super GenerationStep> emitter) {
        if (closed) {
            emitter.fail(new EngineException("the TensorRT-LLM engine is shut down"));
            return;
        }
        if (emitter.isCancelled()) {
            return;
        }
        TrtLlmStream stream = new TrtLlmStream(nextHandle.incrementAndGet(), request, emitter, vocabulary, endIds);
        // registered before it is submitted: its first response can never find no one to take it
        streams.put(stream.handle, stream);
        emitter.onTermination(() -> {
            stream.close();
            if (!stream.nativeOver) {
                onControl(() -> cancel(stream));
            }
        });
        onControl(() -> submit(stream));
    }

    /** Control thread. */
    private void submit(TrtLlmStream stream) {
        if (stream.isClosed() || closed) {
            // cancelled before it reached the Executor: no slot, no prefill
            streams.remove(stream.handle);
            return;
        }
        SamplingParams s = stream.request.sampling();
        // a request without a seed gets its own: the Executor's default seed is the same for every request
        long seed = s.seed() != null ? s.seed() : ThreadLocalRandom.current().nextLong();
        try {
            bridge.submit(stream.handle, stream.request, seed, endIds);
            stream.submitted = true;
        } catch (RuntimeException e) {
            streams.remove(stream.handle);
            stream.fail(e instanceof EngineException ? e : new EngineException(e.getMessage(), e));
        }
    }

    /** Control thread; after the stream's submit, which was asked for first. */
    private void cancel(TrtLlmStream stream) {
        if (!stream.submitted || stream.nativeOver || closed) {
            return;
        }
        try {
            bridge.cancel(stream.handle);
        } catch (RuntimeException e) {
            LOG.warnf("could not cancel TensorRT-LLM request %d: %s", stream.handle, e.getMessage());
        }
    }

    private void onControl(Runnable task) {
        try {
            control.execute(task);
        } catch (RejectedExecutionException e) {
            // shutting down: close() frees everything that is left
        }
    }

    private void pumpLoop() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(INITIAL_BUFFER_BYTES).order(ByteOrder.nativeOrder());
        int failures = 0;
        while (running) {
            int bytes;
            try {
                bytes = bridge.drain(POLL_MILLIS, buffer);
            } catch (RuntimeException e) {
                if (!running) {
                    break;
                }
                failures++;
                pumpFailed(e, failures);
                continue;
            }
            failures = 0;
            if (bytes < 0) {
                // a record larger than the buffer (prompt log-probabilities of a long prompt): grow and drain again
                buffer = ByteBuffer.allocateDirect(Math.max(-bytes, 2 * buffer.capacity()))
                        .order(ByteOrder.nativeOrder());
                continue;
            }
            List<NativeResponse> responses;
            try {
                responses = NativeResponse.readAll(buffer, bytes);
            } catch (RuntimeException e) {
                pumpFailed(e, 1);
                continue;
            }
            for (NativeResponse response : responses) {
                dispatch(response);
            }
        }
    }

    private void dispatch(NativeResponse response) {
        TrtLlmStream stream = streams.get(response.handle());
        if (stream == null) {
            return;
        }
        if (response.isFinal()) {
            streams.remove(response.handle());
        }
        try {
            stream.accept(response);
        } catch (RuntimeException e) {
            // a subscriber's exception must not stop the pump that serves every other request
            stream.fail(e);
        }
    }

    /** The Executor's awaitResponses failed: every stream in flight fails with it, the engine goes on. */
    private void pumpFailed(RuntimeException e, int failures) {
        lastError = e.getMessage();
        LOG.errorf("TensorRT-LLM: waiting for responses failed (%d in a row): %s", failures, e.getMessage());
        EngineException failure = new EngineException("TensorRT-LLM failed: " + e.getMessage(), e);
        for (TrtLlmStream stream : streams.values()) {
            stream.fail(failure);
        }
        // a broken Executor fails at once every time: do not spin on it
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(1000, 10L * failures)));
    }

    @Override
    public boolean healthy() {
        return ready && !closed && pump.isAlive();
    }

    /** The Executor's batch: admission lets this many sequences run and keeps the rest waiting in the gateway. */
    @Override
    public int maxConcurrentSequences() {
        return maxBatchSize;
    }

    @Override
    public EngineStatus status() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("ready", ready);
        details.put("native_requests", bridge.requestCount());
        details.put("gpus", build.worldSize());
        details.put("max_seq_len", build.maxSeqLen());
        for (String line : bridge.stats().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                details.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        if (lastError != null) {
            details.put("last_error", lastError);
        }
        return new EngineStatus(name(), modelName, healthy(), streams.size(), details);
    }

    /** Requests this engine has in flight, as the Java side counts them (streams not yet finished natively). */
    int inFlight() {
        return streams.size();
    }

    /** Requests the native side has in flight. */
    int nativeInFlight() {
        return bridge.requestCount();
    }

    /** The native side's figures. */
    String nativeStats() {
        return bridge.stats();
    }

    /** The control thread's queue, for tests that must hold a submit back. */
    ExecutorService controlThread() {
        return control;
    }

    /**
     * Stops the pump, cancels what is in flight, shuts the Executor down and frees the native side; every stream still
     * open fails with an {@link EngineException}.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        try {
            pump.join(TimeUnit.SECONDS.toMillis(30));
            control.shutdown();
            if (!control.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("TensorRT-LLM: control thread still busy at shutdown");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int inFlight = bridge.requestCount();
        try {
            bridge.close();
        } catch (RuntimeException e) {
            LOG.errorf("TensorRT-LLM shutdown failed: %s", e.getMessage());
        }
        EngineException shutDown = new EngineException("the TensorRT-LLM engine shut down");
        for (TrtLlmStream stream : streams.values()) {
            stream.fail(shutDown);
        }
        streams.clear();
        LOG.infof("TensorRT-LLM engine closed (%d requests were in flight)", inFlight);
    }
}
