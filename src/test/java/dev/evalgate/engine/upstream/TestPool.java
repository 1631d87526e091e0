package dev.evalgate.engine.upstream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;

import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.GenerationStep;
import dev.evalgate.engine.SamplingParams;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.vertx.core.Vertx;

/**
 * Settings for an {@link UpstreamEngine} under test, short enough that every timeout is quick, and the checks every
 * test makes of its pool. Health checks are off (an hour apart) unless a test sets them.
 */
final class TestPool {

    private final List<URI> urls = new ArrayList<>();
    private UpstreamEngine.Mode mode = UpstreamEngine.Mode.PROMPT;
    private Optional<String> apiKey = Optional.empty();
    private Optional<String> model = Optional.empty();
    private Duration firstToken = Duration.ofSeconds(5);
    private Duration idle = Duration.ofSeconds(5);
    private Duration health = Duration.ofHours(1);

    static TestPool of(FakeUpstreamServer... members) {
        TestPool pool = new TestPool();
        for (FakeUpstreamServer m : members) {
            pool.urls.add(m.url());
        }
        return pool;
    }

    TestPool url(URI url) {
        urls.add(url);
        return this;
    }

    TestPool chat() {
        mode = UpstreamEngine.Mode.CHAT;
        return this;
    }

    TestPool apiKey(String key) {
        apiKey = Optional.of(key);
        return this;
    }

    TestPool model(String name) {
        model = Optional.of(name);
        return this;
    }

    TestPool firstTokenTimeout(Duration d) {
        firstToken = d;
        return this;
    }

    TestPool idleTimeout(Duration d) {
        idle = d;
        return this;
    }

    TestPool healthEvery(Duration d) {
        health = d;
        return this;
    }

    UpstreamEngine start(Vertx vertx) {
        return UpstreamEngine.start(new UpstreamEngine.Settings(List.copyOf(urls), apiKey, model, mode,
                Duration.ofSeconds(1), firstToken, idle, health, OptionalInt.empty(), 16), vertx);
    }

    /** Greedy generation of {@code maxTokens} tokens after the prompt {@code [1, 2, 3]}. */
    static GenerationRequest prompt(int maxTokens) {
        return new GenerationRequest("test", new int[] {1, 2, 3},
                new SamplingParams(0, 1, 0, null, maxTokens, List.of(), false));
    }

    static AssertSubscriber<GenerationStep> run(UpstreamEngine engine, GenerationRequest request) {
        return engine.generate(request).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
    }

    /** Runs to the end and returns the steps; fails if the stream failed. */
    static List<GenerationStep> complete(UpstreamEngine engine, GenerationRequest request) {
        return run(engine, request).awaitCompletion(Duration.ofSeconds(10)).getItems();
    }

    static String text(List<GenerationStep> steps) {
        return steps.stream().map(GenerationStep::text).collect(Collectors.joining());
    }

    static int tokens(List<GenerationStep> steps) {
        return steps.stream().mapToInt(GenerationStep::tokens).sum();
    }

    static Upstream.Status member(UpstreamEngine engine, FakeUpstreamServer server) {
        String url = server.url().toString();
        return members(engine).stream().filter(s -> s.url().equals(url)).findFirst()
                .orElseThrow(() -> new AssertionError(url + " is not in the pool"));
    }

    static List<Upstream.Status> members(UpstreamEngine engine) {
        return ((UpstreamEngine.PoolStatus) engine.status().details()).upstreams();
    }

    /** Waits until the pool holds no request: no active sequence, nothing in flight on any member. */
    static void awaitIdle(UpstreamEngine engine) {
        await().atMost(Duration.ofSeconds(3)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> assertTrue(engine.status().activeSequences() == 0
                && members(engine).stream().allMatch(m -> m.inFlight() == 0), "still held: " + describe(engine)));
    }

    static String describe(UpstreamEngine engine) {
        return engine.status().activeSequences() + " active; " + Arrays.toString(members(engine).toArray());
    }
}
