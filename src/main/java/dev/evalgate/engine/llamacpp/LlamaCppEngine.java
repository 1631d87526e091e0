package dev.evalgate.engine.llamacpp;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import dev.evalgate.engine.EngineCapabilities;
import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.EngineStatus;
import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.GenerationStep;
import dev.evalgate.engine.InferenceEngine;
import dev.evalgate.engine.ModelMetadata;
import dev.evalgate.engine.SamplingParams;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;

/**
 * The embedded engine: llama.cpp over JNI ({@code de.kherud:llama}), continuous batching across
 * {@code parallel} sequences inside the native server loop.
 *
 * <p>Threading: every JNI call that waits for the model ({@code receiveCompletion}) runs on this engine's own
 * {@code llamacpp-stream-N} threads, one per active stream, never on a Vert.x thread. A stream is cancelled by the
 * thread that reads it (the native queue does not wake a reader whose task was cancelled from elsewhere), at the
 * latest one token after the subscriber went away.
 */
public final class LlamaCppEngine implements InferenceEngine {

    private static final Logger LOG = Logger.getLogger(LlamaCppEngine.class);
    /** Special tokens are rendered as text (llama.cpp {@code --special}) so end-of-turn tokens are visible in the stream. */
    private static final Pattern SPECIAL_TOKEN_TEXT = Pattern.compile("<\\|[A-Za-z0-9_]+\\|>|</s>|<eos>|<end_of_turn>");
    private static final Field PARAMETERS_MAP = parametersField();
    /** Served name and file name of the generated default model. */
    static final String DEFAULT_MODEL_NAME = "evalgate-tiny-llama-3.1";

    private final LlamaModel model;
    private final String modelName;
    private final int contextLength;
    private final int parallel;
    private final ExecutorService streams;
    /** Special-token text -> its id, or -1 when that text is not one special token. */
    private final Map<String, Integer> specialIds = new ConcurrentHashMap<>();
    private final AtomicInteger activeStreams = new AtomicInteger();
    private final AtomicInteger cancelledStreams = new AtomicInteger();
    private volatile boolean closed;

    private final ModelMetadata metadata;

    private LlamaCppEngine(LlamaModel model, String modelName, int contextLength, int parallel, ModelMetadata metadata) {
        this.parallel = parallel;
        this.model = model;
        this.metadata = metadata;
        this.modelName = modelName;
        this.contextLength = contextLength;
        AtomicInteger n = new AtomicInteger();
        this.streams = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "llamacpp-stream-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * How to run llama.cpp.
     *
     * @param model a GGUF file, or empty for the generated default model
     * @param parallel sequences decoded together (slots)
     * @param contextLength context per sequence, in tokens
     * @param threads CPU threads for decoding, 0 for {@link #defaultThreads()}
     */
    public record Settings(Optional<Path> model, int parallel, int contextLength, int threads) {
    }

    /**
     * Loads the configured GGUF, or generates and loads the default tiny model. Blocking; call at startup.
     *
     * @param dataDir where the default model, its tokenizer files and the native library are written
     */
    public static LlamaCppEngine start(Settings cfg, Path dataDir) {
        try {
            Path nativeDir = Files.createDirectories(dataDir.resolve("native"));
            // the library deletes stale files in its extraction folder: give it a private one
            System.setProperty("de.kherud.llama.tmpdir", nativeDir.toString());
            Path modelPath;
            String name;
            Optional<Path> tokenizerDir = Optional.empty();
            if (cfg.model().isPresent()) {
                modelPath = cfg.model().get();
                if (!Files.isRegularFile(modelPath)) {
                    throw new EngineException("evalgate.engine.llamacpp.model points to " + modelPath
                            + ", which is not a readable file: set EVALGATE_ENGINE_LLAMACPP_MODEL to a GGUF model file");
                }
                name = modelPath.getFileName().toString().replaceFirst("(?i)\\.gguf$", "");
            } else {
                modelPath = TinyLlamaGguf.ensure(dataDir.resolve("models").resolve(DEFAULT_MODEL_NAME + ".gguf"));
                name = DEFAULT_MODEL_NAME;
                tokenizerDir = Optional.of(Llama31TokenizerFiles.ensure(dataDir.resolve("models").resolve(DEFAULT_MODEL_NAME)));
            }
            int parallel = Math.max(1, cfg.parallel());
            ModelParameters params = new ModelParameters()
                    .setModel(modelPath.toString())
                    .setParallel(parallel)
                    .setCtxSize(cfg.contextLength() * parallel)
                    .enableContBatching()
                    .enableSpecial()
                    .disableContextShift()
                    .setLogVerbosity(0)
                    .disableLog();
            int threads = cfg.threads() > 0 ? cfg.threads() : defaultThreads();
            params.setThreads(threads);
            long t0 = System.nanoTime();
            LlamaModel model = new LlamaModel(params);
            LOG.infof("llama.cpp loaded %s (%d slots x %d tokens, %d compute threads) in %d ms", modelPath, parallel,
                    cfg.contextLength(), threads, (System.nanoTime() - t0) / 1_000_000);
            GgufMetadata gguf = GgufMetadata.read(modelPath);
            ModelMetadata metadata = new ModelMetadata(tokenizerDir, gguf.string("tokenizer.chat_template"),
                    optionalInt(gguf.integer("tokenizer.ggml.bos_token_id")),
                    optionalInt(gguf.integer("tokenizer.ggml.eos_token_id")),
                    gguf.values().get("tokenizer.ggml.tokens") instanceof GgufMetadata.SkippedArray tokens
                            ? OptionalInt.of((int) tokens.length()) : OptionalInt.empty());
            return new LlamaCppEngine(model, name, cfg.contextLength(), parallel, metadata);
        } catch (EngineException e) {
            throw e;
        } catch (Exception | UnsatisfiedLinkError e) {
            throw new EngineException("could not start the llama.cpp engine: " + e.getMessage(), e);
        }
    }

    /**
     * Compute threads when none are configured: the CPUs this JVM may use (its container's limit included), less one
     * for the gateway's own work (HTTP, templates, tokenizer, scoring), at most one per physical core (llama.cpp's own
     * default), at least one. llama.cpp's threads meet at a barrier after every operation, so a thread that the
     * gateway's threads take a core from stalls all of them: on 2 cores, llama.cpp through the gateway gave 0.91 x
     * the binding alone with 2 threads and 0.96 x with 1, and 57 tokens/s against 52 (bench/run, llamacpp part).
     */
    static int defaultThreads() {
        int cpus = Runtime.getRuntime().availableProcessors();
        return defaultThreads(cpus, physicalCores().orElse(cpus));
    }

    static int defaultThreads(int cpus, int physicalCores) {
        return Math.max(1, Math.min(cpus - 1, physicalCores));
    }

    /** Distinct (package, core) pairs in {@code /proc/cpuinfo}, when it names them. */
    private static OptionalInt physicalCores() {
        try {
            Set<String> cores = new HashSet<>();
            String physical = "0";
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                if (key.equals("physical id")) {
                    physical = line.substring(colon + 1).trim();
                } else if (key.equals("core id")) {
                    cores.add(physical + "/" + line.substring(colon + 1).trim());
                }
            }
            return cores.isEmpty() ? OptionalInt.empty() : OptionalInt.of(cores.size());
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
    }

    private static OptionalInt optionalInt(Optional<Long> value) {
        return value.map(v -> OptionalInt.of(v.intValue())).orElse(OptionalInt.empty());
    }

    @Override
    public String name() {
        return "llamacpp";
    }

    @Override
    public String modelName() {
        return modelName;
    }

    @Override
    public EngineCapabilities capabilities() {
        // asking the binding for token probabilities (n_probs) aborts the whole JVM: its native side asserts on a JSON
        // key llama.cpp build 4916 no longer writes (GGML_ASSERT in json.hpp, seen with 4.2.0 on this model)
        return new EngineCapabilities(contextLength, false, false, 0, "llama.cpp's Java binding (de.kherud:llama "
                + "4.2.0) gives no log-probabilities: asking it for token probabilities aborts the process, and it has "
                + "none for prompt tokens. Serve the model from an engine that gives them (upstream: vLLM, "
                + "trtllm-serve)");
    }

    @Override
    public boolean healthy() {
        return !closed;
    }

    @Override
    public int maxConcurrentSequences() {
        return parallel;
    }

    @Override
    public EngineStatus status() {
        return new EngineStatus(name(), modelName, healthy(), activeStreams.get(), null);
    }

    /** Streams currently reading from the native engine. */
    public int activeStreams() {
        return activeStreams.get();
    }

    /** Streams aborted in the native engine because their subscriber went away, since start. */
    public int cancelledStreams() {
        return cancelledStreams.get();
    }

    /** Client text reaches the native tokenizer here: a native error becomes an exception, never a dead request thread. */
    @Override
    public int[] tokenize(String text) {
        try {
            return model.encode(text);
        } catch (RuntimeException e) {
            throw new EngineException("llama.cpp could not tokenize the text: " + e.getMessage(), e);
        }
    }

    /** Callers check ids against the vocabulary first: an id past it aborts the process inside llama.cpp. */
    @Override
    public String detokenize(int[] ids) {
        try {
            return model.decode(ids);
        } catch (RuntimeException e) {
            throw new EngineException("llama.cpp could not decode the token ids: " + e.getMessage(), e);
        }
    }

    @Override
    public ModelMetadata metadata() {
        return metadata;
    }

    @Override
    public Multi<GenerationStep> generate(GenerationRequest request) {
        return Multi.createFrom().emitter(emitter -> {
            AtomicBoolean cancelled = new AtomicBoolean();
            emitter.onTermination(() -> cancelled.set(true));
            streams.execute(() -> stream(request, emitter, cancelled));
        });
    }

    /** Runs on a {@code llamacpp-stream} thread: blocks in JNI between tokens. */
    private void stream(GenerationRequest request, MultiEmitter<? super GenerationStep> emitter, AtomicBoolean cancelled) {
        if (cancelled.get()) {
            return;
        }
        activeStreams.incrementAndGet();
        LlamaIterator it = null;
        try {
            it = model.generate(parameters(request)).iterator();
            while (it.hasNext()) {
                LlamaOutput out = it.next();
                if (cancelled.get()) {
                    if (it.hasNext()) {
                        it.cancel();
                        cancelledStreams.incrementAndGet();
                    }
                    return;
                }
                if (!it.hasNext()) {
                    break; // the final message carries no text in streaming mode
                }
                emitter.emit(step(out.text));
            }
            emitter.complete();
        } catch (RuntimeException e) {
            if (it != null && it.hasNext()) {
                it.cancel();
            }
            emitter.fail(new EngineException("llama.cpp failed: " + e.getMessage(), e));
        } finally {
            activeStreams.decrementAndGet();
        }
    }

    /** Turns one native output into a step; special-token text becomes an end-of-turn marker or disappears. */
    private GenerationStep step(String text) {
        var m = SPECIAL_TOKEN_TEXT.matcher(text);
        if (!m.find()) {
            return GenerationStep.text(text);
        }
        // llama.cpp merges a token that ends in an incomplete UTF-8 character into the next output
        int id = specialId(m.group());
        if (id < 0 || m.end() != text.length()) {
            return GenerationStep.text(text);
        }
        String before = text.substring(0, m.start());
        if (isEndOfTurn(m.group())) {
            return before.isEmpty() ? GenerationStep.eot() : new GenerationStep(before, 1, true);
        }
        return GenerationStep.text(before);
    }

    private static boolean isEndOfTurn(String special) {
        return switch (special) {
            case "<|eot_id|>", "<|end_of_text|>", "<|eom_id|>", "</s>", "<eos>", "<end_of_turn>", "<|im_end|>",
                    "<|endoftext|>" -> true;
            default -> false;
        };
    }

    private int specialId(String text) {
        return specialIds.computeIfAbsent(text, t -> {
            int[] ids = model.encode(t);
            return ids.length == 1 ? ids[0] : -1;
        });
    }

    private InferenceParameters parameters(GenerationRequest request) {
        SamplingParams s = request.sampling();
        InferenceParameters p = new InferenceParameters("")
                .setNPredict(s.maxTokens())
                .setTemperature((float) s.temperature())
                .setTopP((float) s.topP())
                .setTopK(s.topK())
                .setMinP(0f)
                .setRepeatPenalty(1f)
                .setCachePrompt(true);
        if (s.seed() != null) {
            p.setSeed((int) (s.seed() & 0xffffffffL));
        }
        // the prompt goes in as token ids so llama.cpp adds no second BOS and tokenizes nothing itself
        rawParameters(p).put("prompt", Arrays.toString(request.promptTokens()));
        return p;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> rawParameters(InferenceParameters p) {
        try {
            return (Map<String, String>) PARAMETERS_MAP.get(p);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Field parametersField() {
        try {
            Field f = InferenceParameters.class.getSuperclass().getDeclaredField("parameters");
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError("de.kherud:llama changed its InferenceParameters: " + e);
        }
    }

    /** Frees the native model once no stream uses it. */
    @Override
    public void close() {
        closed = true;
        streams.shutdownNow();
        model.close();
    }
}
