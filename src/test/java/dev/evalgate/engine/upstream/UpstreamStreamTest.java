package dev.evalgate.engine.upstream;

import static dev.evalgate.engine.upstream.FakeUpstreamServer.completionChunk;
import static dev.evalgate.engine.upstream.FakeUpstreamServer.usageChunk;
import static dev.evalgate.engine.upstream.TestPool.awaitIdle;
import static dev.evalgate.engine.upstream.TestPool.complete;
import static dev.evalgate.engine.upstream.TestPool.member;
import static dev.evalgate.engine.upstream.TestPool.prompt;
import static dev.evalgate.engine.upstream.TestPool.run;
import static dev.evalgate.engine.upstream.TestPool.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.EngineRejectedException;
import dev.evalgate.engine.EngineUnavailableException;
import dev.evalgate.engine.GenerationStep;
import dev.evalgate.engine.upstream.FakeUpstreamServer.Answer;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.vertx.core.Vertx;

/**
 * One stream over time: an upstream silent past the first-token timeout is given up for another; once tokens went
 * out, a broken connection, an error event, an unreadable event or a silence past the idle timeout fails the stream
 * instead (a retry would repeat text the client has); a subscriber that leaves closes the upstream's connection so
 * that it stops generating; a stream that ends by itself keeps its connection for the next request.
 */
class UpstreamStreamTest {

    static Vertx vertx;
    FakeUpstreamServer a;
    FakeUpstreamServer b;
    UpstreamEngine engine;

    @BeforeAll
    static void vertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void closeVertx() {
        vertx.close();
    }

    @BeforeEach
    void servers() {
        a = FakeUpstreamServer.start(vertx);
        b = FakeUpstreamServer.start(vertx);
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
        a.close();
        b.close();
    }

    static Stream<Arguments> silences() {
        return Stream.of(
                Arguments.of("no response at all", Answer.stream().stall()),
                Arguments.of("headers, then nothing", Answer.stream().write("").stall()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("silences")
    void aMemberSilentPastTheFirstTokenTimeoutIsGivenUpForAnother(String name, Answer silence) {
        a.always(silence);
        b.always(Answer.tokens("from", " b"));
        engine = TestPool.of(a, b).firstTokenTimeout(Duration.ofSeconds(2)).start(vertx);
        List<GenerationStep> steps = complete(engine, prompt(2));
        assertEquals("from b", text(steps));
        assertEquals(1, a.generations().size(), "the silent member was asked first");
        assertFalse(member(engine, a).healthy());
        assertTrue(member(engine, a).lastError().startsWith("no answer within"), member(engine, a).lastError());
        await().atMost(Duration.ofSeconds(10)).until(() -> a.onlyGeneration().clientLeft());
        assertEquals(1, member(engine, b).requests());
        awaitIdle(engine);
    }

    @Test
    void aStreamThatBreaksAfterTokensWentOutFailsAndIsNotRetried() {
        a.always(Answer.stream().data(completionChunk("one", null, 1)).data(completionChunk(" two", null, 2))
                .breakConnection());
        engine = TestPool.of(a, b).start(vertx);
        AssertSubscriber<GenerationStep> s = run(engine, prompt(5)).awaitFailure(Duration.ofSeconds(5));
        assertEquals("one two", text(s.getItems()), "what went out stays, nothing more");
        EngineException failure = assertInstanceOf(EngineException.class, s.getFailure());
        assertFalse(failure instanceof EngineUnavailableException || failure instanceof EngineRejectedException);
        assertTrue(failure.getMessage().contains("broke off the stream"), failure.getMessage());
        assertEquals(0, b.generations().size(), "not retried: the client has part of the answer");
        assertFalse(member(engine, a).healthy());
        awaitIdle(engine);
    }

    static Stream<Arguments> badEvents() {
        return Stream.of(
                Arguments.of("an error event", "{\"error\":{\"message\":\"CUDA out of memory\",\"type\":"
                        + "\"InternalServerError\",\"param\":null,\"code\":500}}", "CUDA out of memory"),
                Arguments.of("an event that is not JSON", "<html>oops</html>", "not JSON"),
                // vLLM ends an answer it had to give up on with "abort" or "error": not a finished answer
                Arguments.of("finish_reason abort", FakeUpstreamServer.completionChunk("", "abort", 1),
                        "finish_reason abort"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badEvents")
    void aBadEventMidStreamFailsTheStreamAtOnce(String name, String event, String reason) {
        a.always(Answer.stream().data(completionChunk("one", null, 1)).data(event).stall());
        // well inside the idle timeout: the event itself must end the stream
        engine = TestPool.of(a, b).idleTimeout(Duration.ofSeconds(10)).start(vertx);
        AssertSubscriber<GenerationStep> s = run(engine, prompt(5)).awaitFailure(Duration.ofSeconds(3));
        assertEquals("one", text(s.getItems()));
        assertTrue(s.getFailure().getMessage().contains(reason), s.getFailure().getMessage());
        assertEquals(0, b.generations().size());
        await().atMost(Duration.ofSeconds(2)).until(() -> a.onlyGeneration().clientLeft());
        awaitIdle(engine);
    }

    @Test
    void aStreamSilentPastTheIdleTimeoutFails() {
        a.always(Answer.stream().data(completionChunk("one", null, 1)).stall());
        // the first-token timeout is long: only the idle timeout can end this stream in time
        engine = TestPool.of(a, b).firstTokenTimeout(Duration.ofSeconds(10)).idleTimeout(Duration.ofMillis(300))
                .start(vertx);
        long started = System.nanoTime();
        AssertSubscriber<GenerationStep> s = run(engine, prompt(5)).awaitFailure(Duration.ofSeconds(3));
        long ms = (System.nanoTime() - started) / 1_000_000;
        assertEquals("one", text(s.getItems()));
        assertTrue(s.getFailure().getMessage().contains("sent nothing for"), s.getFailure().getMessage());
        assertTrue(ms < 1500, "failed after " + ms + " ms");
        assertEquals(0, b.generations().size());
        await().atMost(Duration.ofSeconds(2)).until(() -> a.onlyGeneration().clientLeft());
        awaitIdle(engine);
    }

    @Test
    void aSlowButSteadyStreamIsNotCutByTheIdleTimeout() {
        Answer steady = Answer.stream();
        for (int i = 1; i <= 6; i++) {
            steady.delay(300).data(completionChunk("t", i == 6 ? "length" : null, i));
        }
        a.always(steady.data(usageChunk(6)).done());
        // loose enough for a loaded 2-core machine: the point is total time (1.8 s) past the idle timeout (1 s)
        engine = TestPool.of(a).firstTokenTimeout(Duration.ofSeconds(5)).idleTimeout(Duration.ofSeconds(1))
                .start(vertx);
        assertEquals("tttttt", text(complete(engine, prompt(6))), "1.8 s in all, never 1 s silent");
        awaitIdle(engine);
    }

    static Stream<Arguments> cancelPoints() {
        return Stream.of(
                Arguments.of("while waiting for the first chunk", Answer.stream().stall(), 0),
                Arguments.of("mid-stream", Answer.stream().data(completionChunk("one", null, 1)).stall(), 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cancelPoints")
    void aSubscriberThatLeavesClosesTheUpstreamConnection(String name, Answer answer, int before) {
        a.always(answer);
        engine = TestPool.of(a).start(vertx);
        AssertSubscriber<GenerationStep> s = run(engine, prompt(100));
        await().atMost(Duration.ofSeconds(5)).until(() -> a.generations().size() == 1);
        s.awaitItems(before, Duration.ofSeconds(5));
        long cancelled = System.nanoTime();
        s.cancel();
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(5))
                .until(() -> a.onlyGeneration().clientLeft());
        System.out.println("upstream saw its client leave " + (System.nanoTime() - cancelled) / 1_000_000
                + " ms after the cancel (" + name + ")");
        assertTrue(member(engine, a).healthy(), "leaving is not the member's failure");
        awaitIdle(engine);
    }

    @Test
    void aStreamThatEndsByItselfKeepsItsConnectionForTheNextRequest() {
        CompletableFuture<Void> tail = new CompletableFuture<>();
        // the finish chunk, then (a moment later, as vLLM sends it) the usage chunk and [DONE]
        a.then(Answer.stream().data(completionChunk("one", null, 1)).data(completionChunk(" two", "length", 2))
                .waitFor(tail).data(usageChunk(2)).done());
        engine = TestPool.of(a).start(vertx);
        // the API cancels its subscription as soon as the last step is in, as here
        List<GenerationStep> steps = engine.generate(prompt(2)).select().first(2).subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE)).awaitCompletion(Duration.ofSeconds(5))
                .getItems();
        assertEquals("one two", text(steps));
        tail.complete(null);
        FakeUpstreamServer.Received first = a.onlyGeneration();
        await().atMost(Duration.ofSeconds(2)).until(() -> first.answered.isDone() || first.clientLeft());
        assertFalse(first.clientLeft(), "a finished stream is not aborted");
        int connections = a.connections();
        complete(engine, prompt(1));
        assertEquals(connections, a.connections(), "the next request reuses the connection");
        awaitIdle(engine);
    }
}
