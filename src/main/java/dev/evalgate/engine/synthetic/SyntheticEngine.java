package dev.evalgate.engine.synthetic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import dev.evalgate.engine.EngineCapabilities;
import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.GenerationStep;
import dev.evalgate.engine.InferenceEngine;
import dev.evalgate.engine.ModelMetadata;
import dev.evalgate.engine.llamacpp.Llama31TokenizerFiles;
import dev.evalgate.prompt.HuggingFaceTokenizerFile;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;

/**
 * A model-free engine for measuring the gateway itself: each stream emits a deterministic cycle of real vocabulary
 * tokens at a fixed rate (or as fast as possible), honouring the token budget. Never the default.
 *
 * <p>Threading: paced streams are driven by one scheduler thread ({@code synthetic-clock}) that emits one token per
 * stream per tick, so thousands of slow streams cost no thread each; unpaced streams are stepped together by one
 * {@code synthetic-batch} thread, one token per stream per step, as a batching engine's decode loop does.
 */
public final class SyntheticEngine implements InferenceEngine {

    /** What streams over the real vocabulary say, cycled: Cyrillic and Latin, code, some multi-byte pieces. */
    static final String LLAMA31_TEXT = "Ответ: B. The quick brown fox jumps over the lazy dog; съешь же ещё этих "
            + "мягких французских булок, да выпей чаю. def add(a, b):\n    return a + b\n2 + 2 = 4. 日本語のテキスト 🙂\n";

    private final String[] pieces;
    private final long intervalNanos;
    private final int contextLength;
    private final ModelMetadata metadata;
    private final Function<String, int[]> encode;
    private final Function<int[], String> decode;
    private final ScheduledExecutorService clock;
    private final Thread loop;
    private final LinkedBlockingQueue<FastStream> batch = new LinkedBlockingQueue<>();

    /**
     * @param cycle the vocabulary ids every stream emits, in order, from a prompt-dependent start
     * @param encode text to ids (special-token text becomes the special id), for prompts
     * @param decode ids to text, special tokens kept
     * @param tokensPerSecond per stream; 0 or less means as fast as possible
     * @param metadata what the prompt layer needs: the tokenizer files the ids come from
     */
    public SyntheticEngine(int[] cycle, Function<String, int[]> encode, Function<int[], String> decode,
            double tokensPerSecond, int contextLength, ModelMetadata metadata) {
        if (cycle.length == 0) {
            throw new IllegalArgumentException("the synthetic token cycle is empty");
        }
        this.pieces = pieces(cycle, decode);
        this.intervalNanos = tokensPerSecond > 0 ? (long) (1e9 / tokensPerSecond) : 0;
        this.contextLength = contextLength;
        this.metadata = metadata;
        this.encode = encode;
        this.decode = decode;
        this.clock = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "synthetic-clock"));
        this.loop = daemon(this::batchLoop, "synthetic-batch");
        loop.start();
    }

    /**
     * The synthetic engine over the real Llama 3.1 vocabulary (the default model's tokenizer files, written into
     * {@code dataDir} if missing), so prompts tokenize and render as for a real Llama 3.1. Blocking; call at startup.
     */
    public static SyntheticEngine overLlama31Vocabulary(Path dataDir, double tokensPerSecond, int contextLength) {
        try {
            Path dir = Llama31TokenizerFiles.ensure(dataDir.resolve("models").resolve("llama-3.1-tokenizer"));
            HuggingFaceTokenizerFile tokenizer = HuggingFaceTokenizerFile.load(dir.resolve("tokenizer.json"),
                    Files.createDirectories(dataDir.resolve("djl")));
            ModelMetadata metadata = new ModelMetadata(Optional.of(dir), Optional.empty(), OptionalInt.of(128000),
                    OptionalInt.of(128009));
            return new SyntheticEngine(tokenizer.encode(LLAMA31_TEXT, false), t -> tokenizer.encode(t, false),
                    tokenizer::decode, tokensPerSecond, contextLength, metadata);
        } catch (IOException e) {
            throw new EngineException("could not start the synthetic engine: " + e.getMessage(), e);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Splits {@code ids} into per-token texts the way incremental detokenization does: a token that ends inside a
     * UTF-8 character adds "" and the next one carries the character.
     */
    static String[] pieces(int[] ids, Function<int[], String> decode) {
        String[] out = new String[ids.length];
        String previous = "";
        for (int i = 0; i < ids.length; i++) {
            String text = decode.apply(Arrays.copyOf(ids, i + 1));
            // a trailing U+FFFD is an incomplete character: wait for the next token
            String stable = text.endsWith("\uFFFD") ? previous : text;
            out[i] = stable.substring(previous.length());
            previous = stable;
        }
        return out;
    }

    @Override
    public String name() {
        return "synthetic";
    }

    @Override
    public String modelName() {
        return "evalgate-synthetic";
    }

    @Override
    public EngineCapabilities capabilities() {
        return new EngineCapabilities(false, contextLength);
    }

    @Override
    public int[] tokenize(String text) {
        return encode.apply(text);
    }

    @Override
    public String detokenize(int[] tokens) {
        return decode.apply(tokens);
    }

    @Override
    public ModelMetadata metadata() {
        return metadata;
    }

    @Override
    public boolean healthy() {
        return true;
    }

    @Override
    public Multi<GenerationStep> generate(GenerationRequest request) {
        int budget = request.sampling().maxTokens();
        // where in the cycle a stream starts depends on its prompt, so different prompts give different text
        int start = Math.floorMod(Arrays.hashCode(request.promptTokens()), pieces.length);
        return Multi.createFrom().emitter(emitter -> {
            if (intervalNanos == 0) {
                FastStream stream = new FastStream(emitter, start, budget);
                emitter.onTermination(() -> stream.cancelled = true);
                batch.add(stream);
            } else {
                paced(emitter, start, budget);
            }
        });
    }

    /** One unpaced stream, stepped by the batch loop. */
    private static final class FastStream {
        final MultiEmitter<? super GenerationStep> emitter;
        final int start;
        final int budget;
        int emitted;
        volatile boolean cancelled;

        FastStream(MultiEmitter<? super GenerationStep> emitter, int start, int budget) {
            this.emitter = emitter;
            this.start = start;
            this.budget = budget;
        }
    }

    /**
     * Like a batching engine's decode loop: each step emits one token for every active stream, on one thread, until
     * none is left; then it waits for the next stream.
     */
    private void batchLoop() {
        List<FastStream> active = new ArrayList<>();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (active.isEmpty()) {
                    active.add(batch.take());
                }
                batch.drainTo(active);
                for (java.util.Iterator<FastStream> it = active.iterator(); it.hasNext();) {
                    FastStream s = it.next();
                    if (s.cancelled) {
                        it.remove();
                        continue;
                    }
                    s.emitter.emit(GenerationStep.text(pieces[(s.start + s.emitted) % pieces.length]));
                    if (++s.emitted >= s.budget) {
                        s.emitter.complete();
                        it.remove();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void paced(MultiEmitter<? super GenerationStep> emitter, int start, int budget) {
        AtomicInteger emitted = new AtomicInteger();
        List<ScheduledFuture<?>> handle = new ArrayList<>(1);
        Runnable tick = () -> {
            int i = emitted.getAndIncrement();
            if (i < budget) {
                emitter.emit(GenerationStep.text(pieces[(start + i) % pieces.length]));
            }
            if (i + 1 >= budget) {
                emitter.complete();
                synchronized (handle) {
                    handle.forEach(f -> f.cancel(false));
                }
            }
        };
        ScheduledFuture<?> f = clock.scheduleAtFixedRate(tick, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
        synchronized (handle) {
            handle.add(f);
        }
        emitter.onTermination(() -> f.cancel(false));
    }

    @Override
    public void close() {
        clock.shutdownNow();
        loop.interrupt();
    }
}
