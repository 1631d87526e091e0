package dev.evalgate.engine.synthetic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import dev.evalgate.engine.EngineCapabilities;
import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.EngineStatus;
import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.GenerationStep;
import dev.evalgate.engine.InferenceEngine;
import dev.evalgate.engine.ModelMetadata;
import dev.evalgate.engine.SamplingParams;
import dev.evalgate.engine.TokenLogprob;
import dev.evalgate.engine.llamacpp.Llama31TokenizerFiles;
import dev.evalgate.prompt.HuggingFaceTokenizerFile;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;

/**
 * A model-free engine for measuring the gateway itself: each stream emits a deterministic cycle of real vocabulary
 * tokens at a fixed rate (or as fast as possible), honouring the token budget. Never the default.
 *
 * <p>Its log-probabilities are a test double for the plumbing, not a model's: deterministic values chosen to be easy
 * to check. A generated token at cycle position {@code c} has log-probability {@code -(c % 4 + 1) / 8}; it is the
 * most likely token there, and the next most likely are the tokens at cycle positions {@code c+1, c+2, ...}, each 1
 * lower than the one before. A prompt token with id {@code t} (not the first, which has none) has
 * {@code -(t % 16 + 1) / 16}; it is the most likely token at its position unless {@code t % 3 == 0}, where the cycle
 * token at position {@code t % cycle} is 0.5 more likely; the other candidates follow, 1 lower each time.
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
    /** Streams started and not yet ended or cancelled. */
    private final AtomicInteger active = new AtomicInteger();

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
                    OptionalInt.of(128009), OptionalInt.of(tokenizer.vocabularySize()));
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
        return new EngineCapabilities(contextLength, true, true, 20, null);
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
    public EngineStatus status() {
        return new EngineStatus(name(), modelName(), true, active.get(), null);
    }

    @Override
    public Multi<GenerationStep> generate(GenerationRequest request) {
        // what the stream needs, taken now: the Multi may live as long as the stream, and the prompt ids need not
        SamplingParams sampling = request.sampling();
        int start = start(request);
        List<TokenLogprob> promptLogprobs = promptLogprobs(request);
        return Multi.createFrom().emitter(emitter -> {
            active.incrementAndGet();
            if (intervalNanos == 0) {
                FastStream stream = new FastStream(emitter, sampling, start, promptLogprobs);
                emitter.onTermination(() -> {
                    stream.cancelled = true;
                    active.decrementAndGet();
                });
                batch.add(stream);
            } else {
                paced(emitter, sampling, start, promptLogprobs);
            }
        });
    }

    /** Where in the cycle a stream starts: it depends on the prompt, so different prompts give different text. */
    private int start(GenerationRequest request) {
        return Math.floorMod(Arrays.hashCode(request.promptTokens()), pieces.length);
    }

    /** The prompt's log-probabilities when the request asked for them, else null: a stream keeps no prompt ids. */
    private List<TokenLogprob> promptLogprobs(GenerationRequest request) {
        int k = request.sampling().promptLogprobs();
        return k < 0 ? null : promptLogprobs(request.promptTokens(), k);
    }

    /**
     * Token {@code i} of a stream, with the log-probabilities its request asked for (see the class comment).
     *
     * @param promptLogprobs given with the first token, when not null
     */
    private GenerationStep step(SamplingParams sampling, int start, int i, List<TokenLogprob> promptLogprobs) {
        int at = (start + i) % pieces.length;
        GenerationStep step = GenerationStep.text(pieces[at]);
        int k = sampling.logprobs();
        if (k >= 0) {
            double own = -(at % 4 + 1) / 8.0;
            List<TokenLogprob.Candidate> top = new ArrayList<>(k);
            for (int j = 0; j < k; j++) {
                top.add(new TokenLogprob.Candidate(pieces[(at + j) % pieces.length], own - j));
            }
            step = step.withLogprobs(List.of(new TokenLogprob(pieces[at], own, top)));
        }
        if (i == 0 && promptLogprobs != null) {
            step = step.withPromptLogprobs(promptLogprobs);
        }
        return step;
    }

    private List<TokenLogprob> promptLogprobs(int[] prompt, int k) {
        List<TokenLogprob> out = new ArrayList<>(prompt.length);
        out.add(null);
        for (int j = 1; j < prompt.length; j++) {
            int t = prompt[j];
            String token = decode.apply(new int[] {t});
            double own = -(t % 16 + 1) / 16.0;
            List<TokenLogprob.Candidate> candidates = new ArrayList<>(k + 1);
            int alternative = Math.floorMod(t, pieces.length);
            if (t % 3 == 0) {
                candidates.add(new TokenLogprob.Candidate(pieces[alternative], own + 0.5));
            }
            candidates.add(new TokenLogprob.Candidate(token, own));
            for (int a = 1; candidates.size() < k; a++) {
                candidates.add(new TokenLogprob.Candidate(pieces[(alternative + a) % pieces.length], own - a));
            }
            out.add(new TokenLogprob(token, own, candidates.subList(0, Math.min(k, candidates.size()))));
        }
        return out;
    }

    /** One unpaced stream, stepped by the batch loop. */
    private static final class FastStream {
        final MultiEmitter<? super GenerationStep> emitter;
        final SamplingParams sampling;
        final int start;
        final int budget;
        /** Until the first token is out; null when not asked for. */
        List<TokenLogprob> promptLogprobs;
        int emitted;
        volatile boolean cancelled;

        FastStream(MultiEmitter<? super GenerationStep> emitter, SamplingParams sampling, int start,
                List<TokenLogprob> promptLogprobs) {
            this.emitter = emitter;
            this.sampling = sampling;
            this.start = start;
            this.budget = sampling.maxTokens();
            this.promptLogprobs = promptLogprobs;
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
                for (Iterator<FastStream> it = active.iterator(); it.hasNext();) {
                    FastStream s = it.next();
                    if (s.cancelled) {
                        it.remove();
                        continue;
                    }
                    s.emitter.emit(step(s.sampling, s.start, s.emitted, s.promptLogprobs));
                    s.promptLogprobs = null;
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

    private void paced(MultiEmitter<? super GenerationStep> emitter, SamplingParams sampling, int start,
            List<TokenLogprob> firstPromptLogprobs) {
        int budget = sampling.maxTokens();
        AtomicReference<List<TokenLogprob>> promptLogprobs = new AtomicReference<>(firstPromptLogprobs);
        AtomicInteger emitted = new AtomicInteger();
        List<ScheduledFuture<?>> handle = new ArrayList<>(1);
        Runnable tick = () -> {
            int i = emitted.getAndIncrement();
            if (i < budget) {
                emitter.emit(step(sampling, start, i, promptLogprobs.getAndSet(null)));
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
        emitter.onTermination(() -> {
            f.cancel(false);
            active.decrementAndGet();
        });
    }

    @Override
    public void close() {
        clock.shutdownNow();
        loop.interrupt();
    }
}
