package dev.evalgate.engine.trtllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.evalgate.engine.EngineCapabilities;
import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.GenerationStep;
import dev.evalgate.engine.SamplingParams;
import dev.evalgate.engine.TokenLogprob;
import dev.evalgate.prompt.HuggingFaceTokenizerFile;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.mutiny.subscription.Cancellable;

/**
 * The trtllm engine over the real JNI side of the bridge, with FakeExecutorBackend in place of TensorRT-LLM's
 * Executor: a model that echoes its prompt, one token per step. What a client would see: whole characters, end of
 * turn at Llama 3.1's end ids, budgets, cancellation at every point, native errors as Java exceptions, concurrency,
 * shutdown with requests in flight, health, log-probabilities; and after every test, no request handle or thread left.
 */
class TrtLlmEngineTest {

    static final int EOT = 128009;
    static final int EOM = 128008;
    static final long LONG = 1_000_000;

    static HuggingFaceTokenizerFile tokenizer;
    final List<TrtLlmEngine> engines = new ArrayList<>();

    @BeforeAll
    static void tokenizer() throws IOException {
        tokenizer = HuggingFaceTokenizerFile.load(FakeExecutor.tokenizerDir().resolve("tokenizer.json"),
                Files.createDirectories(FakeExecutor.WORK.resolve("djl")));
    }

    TrtLlmEngine engine(Map<String, String> fakeOptions) {
        return engine(fakeOptions, false);
    }

    TrtLlmEngine engine(Map<String, String> fakeOptions, boolean gatherLogits) {
        TrtLlmEngine engine = FakeExecutor.start(fakeOptions, gatherLogits);
        engines.add(engine);
        await().until(engine::healthy);
        return engine;
    }

    /** Every engine closed, nothing of any request left in Java or C++, no thread of the engine or the double. */
    @AfterEach
    void closeAndCheckNothingLeaks() {
        engines.forEach(TrtLlmEngine::close);
        for (TrtLlmEngine engine : engines) {
            assertEquals(0, engine.inFlight());
        }
        assertEquals(0, TrtLlmBridge.liveNativeBridges());
        assertEquals(0, TrtLlmBridge.liveNativeRequests());
        await().until(() -> threads().noneMatch(n -> n.startsWith("trtllm-")) && nativeThreads("fake-executor") == 0);
    }

    static ConditionFactory await() {
        return Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5));
    }

    static Stream<String> threads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName);
    }

    /** Threads of this process (native ones too) with that name, from /proc. */
    static long nativeThreads(String name) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip().equals(name);
                } catch (IOException e) {
                    return false; // the thread ended while we looked
                }
            }).count();
        }
    }

    static GenerationRequest request(long maxTokens, int... prompt) {
        return new GenerationRequest("test", prompt,
                new SamplingParams(0, 1, 0, null, (int) Math.min(Integer.MAX_VALUE, maxTokens), List.of(), false));
    }

    static int[] ids(String text, int... then) {
        return IntStream.concat(IntStream.of(tokenizer.encode(text, false)), IntStream.of(then)).toArray();
    }

    static List<GenerationStep> run(TrtLlmEngine engine, GenerationRequest request) {
        return engine.generate(request).collect().asList().await().atMost(Duration.ofSeconds(20));
    }

    static String text(List<GenerationStep> steps) {
        StringBuilder out = new StringBuilder();
        steps.forEach(s -> out.append(s.text()));
        return out.toString();
    }

    static int tokens(List<GenerationStep> steps) {
        return steps.stream().mapToInt(GenerationStep::tokens).sum();
    }

    static Map<String, String> stats(TrtLlmEngine engine) {
        Map<String, String> out = new HashMap<>();
        for (String line : engine.nativeStats().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }

    static long stat(TrtLlmEngine engine, String key) {
        return Long.parseLong(stats(engine).get(key));
    }

    /** A subscriber that keeps what it hears. */
    static final class Listener {
        final List<GenerationStep> steps = new CopyOnWriteArrayList<>();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        volatile boolean completed;
        final Cancellable subscription;

        Listener(TrtLlmEngine engine, GenerationRequest request) {
            subscription = engine.generate(request).subscribe().with(steps::add, failures::add, () -> completed = true);
        }
    }

    static void assertNoRequestLeft(TrtLlmEngine engine) {
        await().until(() -> engine.inFlight() == 0 && engine.nativeInFlight() == 0);
    }

    // --- streaming -----------------------------------------------------------------------------------------------

    @Test
    void streamsTheTextInWholeCharactersAndEndsTheTurnAtTheEndId() {
        TrtLlmEngine engine = engine(Map.of());
        String text = "Привет, мир! 🤖 日本語 — «ответ»: B";
        int[] prompt = ids(text, EOT);

        List<GenerationStep> steps = run(engine, request(1000, prompt));

        assertEquals(text, text(steps));
        assertEquals(prompt.length, tokens(steps), "every token counted, the end id too");
        assertTrue(steps.get(steps.size() - 1).endOfTurn());
        assertTrue(steps.stream().noneMatch(s -> s.text().contains("\uFFFD")));
        assertTrue(steps.stream().anyMatch(s -> s.tokens() > 0 && s.text().isEmpty()),
                "a token that ends inside a character gives no text until the character is whole");
        assertTrue(steps.size() > 5, "one step per engine iteration, not one at the end: " + steps.size());
        assertNoRequestLeft(engine);
    }

    @Test
    void aStopWordEndIdEndsTheTurnWithoutItsText() {
        TrtLlmEngine engine = engine(Map.of());
        List<GenerationStep> steps = run(engine, request(1000, ids("вызов инструмента", EOM, 42)));

        assertEquals("вызов инструмента", text(steps));
        assertTrue(steps.get(steps.size() - 1).endOfTurn());
        assertEquals(ids("вызов инструмента").length + 1, tokens(steps));
    }

    @Test
    void theTokenBudgetEndsTheStreamWithoutEndOfTurn() {
        TrtLlmEngine engine = engine(Map.of());
        int[] prompt = ids("one two three four five six seven");
        List<GenerationStep> steps = run(engine, request(5, prompt));

        assertEquals(5, tokens(steps));
        assertEquals(tokenizer.decode(Arrays.copyOf(prompt, 5)), text(steps));
        assertTrue(steps.stream().noneMatch(GenerationStep::endOfTurn));
    }

    @Test
    void severalTokensPerIterationArriveAsOneStep() {
        TrtLlmEngine engine = engine(Map.of("fake.tokens_per_step", "3"));
        List<GenerationStep> steps = run(engine, request(9, ids("a b c d e f g h i j k")));

        assertEquals(9, tokens(steps));
        assertTrue(steps.stream().allMatch(s -> s.tokens() == 3), steps.toString());
        assertEquals("a b c d e f g h i", text(steps));
    }

    @Test
    void samplingSeedBudgetAndEndIdsReachTheExecutor() {
        TrtLlmEngine engine = engine(Map.of());
        run(engine, new GenerationRequest("t", ids("x"),
                new SamplingParams(0.7, 0.9, 40, 42L, 7, List.of(), false)));

        Map<String, String> last = stats(engine);
        assertEquals("0.7", last.get("fake_last_temperature"));
        assertEquals("0.9", last.get("fake_last_top_p"));
        assertEquals("40", last.get("fake_last_top_k"));
        assertEquals("42", last.get("fake_last_seed"));
        assertEquals("7", last.get("fake_last_max_tokens"));
        assertEquals("128009,128008,128001", last.get("fake_last_end_ids"), "Llama 3.1's, <|eot_id|> first");
        assertEquals("-1", last.get("fake_last_logprobs"));

        run(engine, request(1, ids("x")));
        String first = stats(engine).get("fake_last_seed");
        run(engine, request(1, ids("x")));
        String second = stats(engine).get("fake_last_seed");
        assertNotEquals("none", first);
        assertNotEquals(first, second, "a request without a seed gets its own, not the Executor's fixed default");
    }

    @Test
    void withoutABatchSettingAdmissionFollowsTheBatchTheEngineWasBuiltFor() {
        TrtLlmEngine engine = engine(Map.of());
        assertEquals(256, engine.maxConcurrentSequences(), "the engine's build_config max_batch_size");
    }

    @Test
    void settingsReachTheBackend() {
        Path dir = FakeExecutor.engineDir("tp8", false, 8);
        TrtLlmEngine.Settings settings = new TrtLlmEngine.Settings(Optional.of(dir),
                Optional.of(FakeExecutor.tokenizerDir()), Optional.of(FakeExecutor.library()), Optional.of(64),
                Optional.of(8192), 0.85, false, Optional.of(Path.of("/opt/trtllm/bin/executorWorker")));
        TrtLlmEngine engine = FakeExecutor.start(settings, Map.of());
        engines.add(engine);

        Map<String, String> options = stats(engine);
        assertEquals(dir.toAbsolutePath().toString(), options.get("option.engine_dir"));
        assertEquals("true", options.get("option.orchestrator"), "8 GPUs: the Executor spawns its workers");
        assertEquals("/opt/trtllm/bin/executorWorker", options.get("option.worker_path"));
        assertEquals("64", options.get("option.max_batch_size"));
        assertEquals(64, engine.maxConcurrentSequences(), "admission lets the Executor's batch run at once");
        assertEquals("8192", options.get("option.max_num_tokens"));
        assertEquals("0.85", options.get("option.kv_cache_free_gpu_memory_fraction"));
        assertEquals("false", options.get("option.kv_cache_block_reuse"));
        assertEquals("128256", options.get("option.vocab_size"));
        assertEquals("trtllm", engine.name());
        assertEquals("tp8", engine.modelName());
        assertEquals(128009, engine.metadata().eosTokenId().getAsInt());
        assertEquals(128000, engine.metadata().bosTokenId().getAsInt());
    }

    // --- cancellation --------------------------------------------------------------------------------------------

    @Test
    void cancelledBeforeItsSubmitTheRequestNeverReachesTheExecutor() throws Exception {
        TrtLlmEngine engine = engine(Map.of());
        long enqueued = stat(engine, "fake_enqueued");
        CountDownLatch hold = new CountDownLatch(1);
        engine.controlThread().execute(() -> {
            try {
                hold.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        Listener listener = new Listener(engine, request(LONG, ids("never")));
        assertEquals(1, engine.inFlight(), "registered before it is submitted");
        listener.subscription.cancel();
        hold.countDown();
        engine.controlThread().submit(() -> { }).get(10, TimeUnit.SECONDS);

        assertEquals(enqueued, stat(engine, "fake_enqueued"));
        assertEquals(0, engine.inFlight());
        assertTrue(listener.steps.isEmpty() && listener.failures.isEmpty());
    }

    @Test
    void cancelledWhileQueuedTheRequestLeavesWithoutRunningItsPrefill() {
        TrtLlmEngine engine = engine(Map.of("fake.slots", "1", "fake.step_micros", "1000"));
        long prefills = stat(engine, "fake_prefills");
        long enqueued = stat(engine, "fake_enqueued");
        Listener running = new Listener(engine, request(LONG, ids("takes the only slot")));
        await().until(() -> !running.steps.isEmpty());

        Listener queued = new Listener(engine, request(LONG, ids("waits for a slot")));
        await().until(() -> stat(engine, "fake_enqueued") == enqueued + 2 && stat(engine, "fake_queued") == 1);
        queued.subscription.cancel();

        await().until(() -> stat(engine, "fake_cancelled") == 1 && engine.inFlight() == 1
                && engine.nativeInFlight() == 1);
        assertEquals(prefills + 1, stat(engine, "fake_prefills"), "only the running request ran a prefill");
        assertTrue(queued.steps.isEmpty());
        running.subscription.cancel();
        assertNoRequestLeft(engine);
    }

    @Test
    void cancelledMidStreamTheExecutorStopsAndNothingMoreArrives() {
        TrtLlmEngine engine = engine(Map.of());
        Listener listener = new Listener(engine, request(LONG, ids("a long answer that goes on")));
        await().until(() -> listener.steps.size() >= 3);

        listener.subscription.cancel();
        // at most the step the pump was handing over while the subscriber cancelled
        int atCancel = listener.steps.size() + 1;
        assertNoRequestLeft(engine);
        assertEquals(1, stat(engine, "fake_cancelled"));
        // the engine goes on serving: by the end of this other request, the cancelled one would have had more
        assertEquals("next", text(run(engine, request(100, ids("next", EOT)))));
        assertTrue(listener.steps.size() <= atCancel, listener.steps.size() + " steps after cancel at " + atCancel);
        assertFalse(listener.completed);
    }

    @Test
    void cancellingAFinishedStreamDoesNothing() {
        TrtLlmEngine engine = engine(Map.of());
        Listener listener = new Listener(engine, request(100, ids("short", EOT)));
        await().until(() -> listener.completed);
        long cancelled = stat(engine, "fake_cancelled");

        listener.subscription.cancel();

        assertNoRequestLeft(engine);
        assertEquals(cancelled, stat(engine, "fake_cancelled"));
        assertTrue(listener.failures.isEmpty());
    }

    // --- native errors -------------------------------------------------------------------------------------------

    @Test
    void anExecutorThatCannotStartIsAJavaExceptionWithItsMessage() {
        TrtLlmNativeException e = assertThrows(TrtLlmNativeException.class,
                () -> FakeExecutor.start(Map.of("fake.fail_create", "fake: no GPU visible")));
        assertEquals("fake: no GPU visible", e.getMessage());
    }

    @Test
    void aRefusedEnqueueFailsTheStreamWithTheExecutorsMessage() {
        TrtLlmEngine engine = engine(Map.of());
        Throwable failure = assertThrows(TrtLlmNativeException.class, () -> run(engine, request(10, 5, -1, 6)));
        assertEquals("fake executor: enqueue refused (directive -1)", failure.getMessage());

        Throwable notStd = assertThrows(TrtLlmNativeException.class, () -> run(engine, request(10, 5, -4, 6)));
        assertEquals("native error that is not a std::exception", notStd.getMessage());
        assertNoRequestLeft(engine);
    }

    @Test
    void anErrorResponseMidStreamFailsTheStreamAfterItsTokens() {
        TrtLlmEngine engine = engine(Map.of());
        Listener listener = new Listener(engine, request(100, ids("a b c d e f", -2, 3)));
        await().until(() -> !listener.failures.isEmpty());

        assertEquals(3, tokens(listener.steps));
        assertInstanceOf(EngineException.class, listener.failures.get(0));
        assertEquals("TensorRT-LLM failed the request: fake executor: request failed after 3 tokens",
                listener.failures.get(0).getMessage());
        assertNoRequestLeft(engine);
    }

    @Test
    void aFailedAwaitFailsTheStreamsInFlightAndTheEngineGoesOn() {
        TrtLlmEngine engine = engine(Map.of("fake.step_micros", "1000"));
        Listener running = new Listener(engine, request(LONG, ids("running")));
        await().until(() -> !running.steps.isEmpty());

        Listener trigger = new Listener(engine, request(LONG, ids("trigger", -3)));
        await().until(() -> !running.failures.isEmpty() && !trigger.failures.isEmpty());

        assertTrue(running.failures.get(0).getMessage().contains("awaitResponses failed (directive -3)"),
                running.failures.get(0).getMessage());
        assertNoRequestLeft(engine);
        assertEquals("still serving", text(run(engine, request(100, ids("still serving", EOT)))));
        assertTrue(engine.status().details().toString().contains("awaitResponses failed"));
    }

    // --- load and lifecycle --------------------------------------------------------------------------------------

    @Test
    void sixtyFourConcurrentRequestsEachGetTheirOwnText() {
        TrtLlmEngine engine = engine(Map.of());
        long enqueued = stat(engine, "fake_enqueued");
        List<String> texts = new ArrayList<>();
        List<CompletableFuture<List<GenerationStep>>> runs = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            String text = "Запрос " + i + ": " + "ответ 🙂 ".repeat(1 + i % 7) + i;
            texts.add(text);
            runs.add(engine.generate(request(1000, ids(text, EOT))).collect().asList().subscribeAsCompletionStage());
        }
        CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).orTimeout(30, TimeUnit.SECONDS).join();

        for (int i = 0; i < 64; i++) {
            List<GenerationStep> steps = runs.get(i).join();
            assertEquals(texts.get(i), text(steps));
            assertTrue(steps.get(steps.size() - 1).endOfTurn());
        }
        assertEquals(enqueued + 64, stat(engine, "fake_enqueued"));
        assertNoRequestLeft(engine);
    }

    @Test
    void shutdownWithRequestsInFlightFailsThemAndLeavesNothing() {
        TrtLlmEngine engine = engine(Map.of("fake.step_micros", "1000"));
        List<Listener> listeners = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            listeners.add(new Listener(engine, request(LONG, ids("stream " + i))));
        }
        await().until(() -> listeners.stream().allMatch(l -> !l.steps.isEmpty()));
        assertEquals(16, engine.nativeInFlight());

        engine.close();

        for (Listener l : listeners) {
            assertEquals(1, l.failures.size());
            assertEquals("the TensorRT-LLM engine shut down", l.failures.get(0).getMessage());
        }
        assertFalse(engine.healthy());
        assertEquals(0, TrtLlmBridge.liveNativeRequests());
        assertEquals(0, TrtLlmBridge.liveNativeBridges());
        EngineException after = assertThrows(EngineException.class, () -> run(engine, request(10, ids("late"))));
        assertEquals("the TensorRT-LLM engine is shut down", after.getMessage());
    }

    @Test
    void healthyOnlyOnceTheWarmUpRequestProducedAToken() throws IOException {
        Path gate = FakeExecutor.WORK.resolve("gate-" + UUID.randomUUID());
        TrtLlmEngine engine = FakeExecutor.start(Map.of("fake.gate_file", gate.toAbsolutePath().toString()));
        engines.add(engine);

        assertFalse(engine.healthy(), "loaded, but no token yet");
        assertFalse(engine.status().details().toString().contains("ready=true"));
        Files.writeString(gate, "open");

        await().until(engine::healthy);
        Files.delete(gate);
    }

    // --- log-probabilities and capabilities ----------------------------------------------------------------------

    /** The double's logits: 8 for the next token, 0 for every other of the 128,256. */
    static final double LOG_Z = Math.log(Math.exp(8) + FakeExecutor.VOCAB - 1);
    static final double NEXT = 8 - LOG_Z;
    static final double OTHER = -LOG_Z;

    @Test
    void logProbabilitiesOfPromptAndTokensComeFromTheLogits() {
        TrtLlmEngine engine = engine(Map.of(), true);
        int[] prompt = {15, 7, EOT};
        GenerationRequest request = new GenerationRequest("lp", prompt,
                new SamplingParams(0, 1, 0, null, 10, List.of(), false, 2, 3));

        List<GenerationStep> steps = run(engine, request);

        assertEquals(3, steps.size());
        List<TokenLogprob> promptLogprobs = steps.get(0).promptLogprobs();
        assertEquals(3, promptLogprobs.size());
        assertNull(promptLogprobs.get(0));
        assertLogprob(engine, 7, List.of(7, 0, 1), promptLogprobs.get(1));
        assertLogprob(engine, EOT, List.of(EOT, 0, 1), promptLogprobs.get(2));
        assertNull(steps.get(1).promptLogprobs(), "prompt log-probabilities come once, with the first step");
        assertLogprob(engine, 15, List.of(15, 0), steps.get(0).logprobs().get(0));
        assertLogprob(engine, 7, List.of(7, 0), steps.get(1).logprobs().get(0));
        assertTrue(steps.get(2).endOfTurn());
    }

    static void assertLogprob(TrtLlmEngine engine, int token, List<Integer> top, TokenLogprob actual) {
        assertEquals(engine.detokenize(new int[] {token}), actual.token());
        assertEquals(NEXT, actual.logprob(), 1e-4);
        assertEquals(top.size(), actual.top().size());
        for (int i = 0; i < top.size(); i++) {
            assertEquals(engine.detokenize(new int[] {top.get(i)}), actual.top().get(i).token());
            assertEquals(i == 0 ? NEXT : OTHER, actual.top().get(i).logprob(), 1e-4);
        }
    }

    @Test
    void promptLogprobsLargerThanTheBufferStillArrive() {
        TrtLlmEngine engine = engine(Map.of("fake.vocab_size", "1000"), true);
        int[] prompt = IntStream.range(0, 7000).map(i -> 1 + i % 997).toArray();
        GenerationRequest request = new GenerationRequest("long", prompt,
                new SamplingParams(0, 1, 0, null, 1, List.of(), false, 0, 20));

        List<GenerationStep> steps = run(engine, request);

        List<TokenLogprob> lp = steps.get(0).promptLogprobs();
        assertEquals(7000, lp.size());
        assertEquals(20, lp.get(6999).top().size());
        assertEquals(8 - Math.log(Math.exp(8) + 999), lp.get(6999).logprob(), 1e-4);
    }

    @Test
    void capabilitiesFollowWhatTheEngineWasBuiltToReturn() {
        EngineCapabilities plain = engine(Map.of()).capabilities();
        assertEquals(8192, plain.maxContextLength());
        assertTrue(plain.logprobs());
        assertFalse(plain.promptLogprobs());
        assertEquals(0, plain.maxTopLogprobs());
        assertTrue(plain.unsupportedReason().contains("--gather_all_token_logits"), plain.unsupportedReason());

        EngineCapabilities logits = engine(Map.of(), true).capabilities();
        assertTrue(logits.promptLogprobs());
        assertEquals(20, logits.maxTopLogprobs());
        assertNull(logits.unsupportedReason());
    }

    // --- configuration errors: ConfigurationException, which Quarkus prints as its message alone -------------------

    @Test
    void aMissingBridgeLibraryIsOneMessageThatSaysWhatToBuild() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> TrtLlmBridge.load(Optional.of(Path.of("target/no-such-dir/libevalgate_trtllm.so"))));
        assertTrue(e.getMessage().contains("mvn -B -Ptrtllm package"), e.getMessage());
        assertTrue(e.getMessage().contains("EVALGATE_ENGINE_TRTLLM_LIBRARY"), e.getMessage());
        assertTrue(e.getMessage().contains("TensorRT-LLM 1.2.1"), e.getMessage());
    }

    @Test
    void anEngineDirectoryWithoutConfigJsonOrATokenizerIsNamed() throws IOException {
        Path empty = Files.createDirectories(FakeExecutor.WORK.resolve("empty-engine"));
        ConfigurationException noConfig = assertThrows(ConfigurationException.class,
                () -> FakeExecutor.start(FakeExecutor.settings(empty), Map.of()));
        assertTrue(noConfig.getMessage().contains("no config.json"), noConfig.getMessage());

        TrtLlmEngine.Settings noTokenizer = new TrtLlmEngine.Settings(
                Optional.of(FakeExecutor.engineDir("plain", false, 1)), Optional.empty(),
                Optional.of(FakeExecutor.library()), Optional.empty(), Optional.empty(), 0.9, true, Optional.empty());
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> FakeExecutor.start(noTokenizer, Map.of()));
        assertTrue(e.getMessage().contains("EVALGATE_TOKENIZER"), e.getMessage());
    }
}
