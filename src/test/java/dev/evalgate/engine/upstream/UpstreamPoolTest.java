package dev.evalgate.engine.upstream;

import static dev.evalgate.engine.upstream.FakeUpstreamServer.completionChunk;
import static dev.evalgate.engine.upstream.TestPool.awaitIdle;
import static dev.evalgate.engine.upstream.TestPool.complete;
import static dev.evalgate.engine.upstream.TestPool.member;
import static dev.evalgate.engine.upstream.TestPool.prompt;
import static dev.evalgate.engine.upstream.TestPool.run;
import static dev.evalgate.engine.upstream.TestPool.text;
import static dev.evalgate.engine.upstream.TestPool.tokens;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
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

import dev.evalgate.engine.EngineRejectedException;
import dev.evalgate.engine.EngineUnavailableException;
import dev.evalgate.engine.GenerationStep;
import dev.evalgate.engine.upstream.FakeUpstreamServer.Answer;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.vertx.core.Vertx;

/**
 * The pool as a whole: requests go to the member with the fewest in flight and spread over equals; a member that
 * fails is ejected and the request is served by another with nothing lost or repeated; a client's mistake (4xx) comes
 * back as the upstream said it, with no retry; a pool with no healthy member refuses at once; a health check takes an
 * ejected member back.
 */
class UpstreamPoolTest {

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

    @Test
    void anIdlePoolSpreadsRequestsOverItsMembers() {
        engine = TestPool.of(a, b).start(vertx);
        for (int i = 0; i < 6; i++) {
            assertEquals("ok", text(complete(engine, prompt(1))));
        }
        assertEquals(3, a.generations().size());
        assertEquals(3, b.generations().size());
        assertEquals(3, member(engine, a).requests());
        assertEquals(3, member(engine, b).requests());
        awaitIdle(engine);
    }

    @Test
    void aBusyMemberGetsNoRequestWhileAnotherHasFewerInFlight() {
        CompletableFuture<Void> release = new CompletableFuture<>();
        Answer held = Answer.stream().data(completionChunk("slow", null, 1)).waitFor(release)
                .data(completionChunk(" end", "length", 2)).done();
        a.always(held);
        b.always(held);
        engine = TestPool.of(a, b).start(vertx);
        AssertSubscriber<GenerationStep> slow = run(engine, prompt(2));
        slow.awaitItems(1, Duration.ofSeconds(30));
        FakeUpstreamServer busy = a.generations().size() == 1 ? a : b;
        FakeUpstreamServer free = busy == a ? b : a;
        assertEquals(1, member(engine, busy).inFlight());
        free.always(Answer.tokens("quick"));
        for (int i = 0; i < 4; i++) {
            assertEquals("quick", text(complete(engine, prompt(1))));
        }
        assertEquals(1, busy.generations().size(), "the busy member got nothing more");
        assertEquals(4, free.generations().size());
        release.complete(null);
        assertEquals("slow end", text(slow.awaitCompletion(Duration.ofSeconds(5)).getItems()));
        awaitIdle(engine);
    }

    @Test
    void concurrentStreamsAreSharedOutEvenly() {
        CompletableFuture<Void> release = new CompletableFuture<>();
        Answer held = Answer.stream().data(completionChunk("x", null, 1)).waitFor(release)
                .data(completionChunk("y", "length", 2)).done();
        a.always(held);
        b.always(held);
        engine = TestPool.of(a, b).start(vertx);
        List<AssertSubscriber<GenerationStep>> streams = Stream.generate(() -> run(engine, prompt(2))).limit(6).toList();
        streams.forEach(s -> s.awaitItems(1, Duration.ofSeconds(5)));
        assertEquals(3, a.generations().size());
        assertEquals(3, b.generations().size());
        assertEquals(3, member(engine, a).inFlight());
        assertEquals(6, engine.status().activeSequences());
        release.complete(null);
        streams.forEach(s -> assertEquals("xy", text(s.awaitCompletion(Duration.ofSeconds(5)).getItems())));
        awaitIdle(engine);
    }

    static Stream<Arguments> failuresBeforeAnyToken() {
        return Stream.of(
                Arguments.of("500", Answer.error(500, "InternalServerError", null, "engine dead")),
                Arguments.of("502", Answer.status(502, "<html>Bad Gateway</html>")),
                Arguments.of("408", Answer.status(408, "")),
                Arguments.of("connection broken before any byte of the body", Answer.stream().breakConnection()),
                Arguments.of("connection broken after a chunk with no token",
                        Answer.stream().data(completionChunk("", null, 0)).breakConnection()),
                Arguments.of("body ended with no finish_reason",
                        Answer.stream().data(completionChunk("", null, 0)).done()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failuresBeforeAnyToken")
    void aMemberThatFailsBeforeAnyTokenIsEjectedAndAnotherServesTheWholeAnswer(String name, Answer failure) {
        a.always(failure);
        b.always(Answer.tokens("one", " two", " three"));
        engine = TestPool.of(a, b).start(vertx);
        // an idle pool starts with its first member
        List<GenerationStep> steps = complete(engine, prompt(3));
        assertEquals(1, a.generations().size(), "the failing member was asked first");
        assertEquals("one two three", text(steps), "nothing lost, nothing twice");
        assertEquals(3, tokens(steps));
        assertFalse(member(engine, a).healthy(), "ejected");
        assertEquals(1, member(engine, a).failures());
        assertTrue(member(engine, b).healthy());
        // the ejected member gets nothing until a health check takes it back
        for (int i = 0; i < 3; i++) {
            complete(engine, prompt(3));
        }
        assertEquals(1, a.generations().size());
        assertEquals(4, b.generations().size());
        awaitIdle(engine);
    }

    static Stream<Arguments> busyAnswers() {
        return Stream.of(Arguments.of("503", Answer.error(503, "ServiceUnavailableError", null, "overloaded")),
                Arguments.of("429", Answer.error(429, "RateLimitError", null, "too many requests")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("busyAnswers")
    void aBusyMemberIsPassedOverButStaysInThePool(String name, Answer busy) {
        a.always(busy);
        b.always(Answer.tokens("one", " two"));
        engine = TestPool.of(a, b).start(vertx);
        assertEquals("one two", text(complete(engine, prompt(2))));
        assertEquals(1, a.generations().size(), "the busy member was asked first");
        assertTrue(member(engine, a).healthy(), "busy is not broken: a load spike must not empty the pool");
        assertEquals(1, member(engine, a).failures());
        awaitIdle(engine);
    }

    @Test
    void aMemberThatWentAwayIsEjectedAndAnotherServes() {
        b.always(Answer.tokens("fine"));
        engine = TestPool.of(a, b).start(vertx);
        assertTrue(member(engine, a).healthy());
        a.close();
        // the first request of an idle pool goes to its first member, whose port now refuses connections
        assertEquals("fine", text(complete(engine, prompt(1))));
        Upstream.Status gone = member(engine, a);
        assertFalse(gone.healthy());
        assertTrue(gone.lastError().contains("refused"), gone.lastError());
        assertEquals(1, b.generations().size());
        awaitIdle(engine);
    }

    static Stream<Arguments> clientErrors() {
        return Stream.of(
                Arguments.of("nested error (vLLM 0.10.1 and later)",
                        Answer.error(400, "BadRequestError", "max_tokens", "max_tokens is too large"), 400,
                        "BadRequestError", "max_tokens", "max_tokens is too large"),
                Arguments.of("flat error (older vLLM)", Answer.status(400, "{\"object\":\"error\",\"message\":"
                        + "\"This model's maximum context length is 4096 tokens.\",\"type\":\"BadRequestError\","
                        + "\"param\":null,\"code\":400}"), 400, "BadRequestError", null,
                        "This model's maximum context length is 4096 tokens."),
                Arguments.of("404 for a model it does not serve",
                        Answer.error(404, "NotFoundError", "model", "The model `x` does not exist."), 404,
                        "NotFoundError", "model", "The model `x` does not exist."),
                Arguments.of("422 with a body that is not JSON", Answer.status(422, "unprocessable"), 422,
                        "BadRequestError", null, "unprocessable"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clientErrors")
    void aClientErrorComesBackAsTheUpstreamSaidItWithNoRetry(String name, Answer answer, int status, String type,
            String param, String message) {
        a.always(answer);
        engine = TestPool.of(a, b).start(vertx);
        Throwable failure = run(engine, prompt(3)).awaitFailure(Duration.ofSeconds(5)).getFailure();
        EngineRejectedException rejected = assertInstanceOf(EngineRejectedException.class, failure);
        assertEquals(status, rejected.status());
        assertEquals(type, rejected.type());
        assertEquals(param, rejected.param());
        assertEquals(message, rejected.getMessage());
        assertEquals(0, b.generations().size(), "not retried");
        assertTrue(member(engine, a).healthy(), "a client's mistake does not eject the member");
        assertEquals(0, member(engine, a).failures());
        assertNull(member(engine, a).lastError());
        awaitIdle(engine);
    }

    @Test
    void withNoHealthyMemberARequestFailsAtOnceNamingWhy() {
        a.health(503);
        b.health(503);
        engine = TestPool.of(a, b).start(vertx);
        assertFalse(engine.healthy());
        long started = System.nanoTime();
        Throwable failure = run(engine, prompt(1)).awaitFailure(Duration.ofSeconds(1)).getFailure();
        long ms = (System.nanoTime() - started) / 1_000_000;
        assertInstanceOf(EngineUnavailableException.class, failure);
        assertTrue(failure.getMessage().startsWith("no upstream server is healthy"), failure.getMessage());
        assertTrue(failure.getMessage().contains(a.url() + ": /health answered 503"), failure.getMessage());
        assertTrue(ms < 500, "took " + ms + " ms");
        assertEquals(0, a.generations().size() + b.generations().size(), "nothing was sent");
        awaitIdle(engine);
    }

    @Test
    void whenEveryMemberFailsTheRequestFailsNamingTheLast() {
        a.always(Answer.error(500, "InternalServerError", null, "engine dead"));
        b.always(Answer.error(502, "BadGatewayError", null, "no backend"));
        engine = TestPool.of(a, b).start(vertx);
        Throwable failure = run(engine, prompt(1)).awaitFailure(Duration.ofSeconds(5)).getFailure();
        assertInstanceOf(EngineUnavailableException.class, failure);
        assertTrue(failure.getMessage().contains("every upstream server failed this request"), failure.getMessage());
        assertTrue(failure.getMessage().contains("no backend"), failure.getMessage());
        assertFalse(engine.healthy());
        awaitIdle(engine);
    }

    @Test
    void aHealthCheckTakesAnEjectedMemberBack() {
        a.always(Answer.error(500, "InternalServerError", null, "restarting"));
        b.always(Answer.tokens("b"));
        engine = TestPool.of(a, b).healthEvery(Duration.ofMillis(100)).start(vertx);
        a.health(503);
        assertEquals("b", text(complete(engine, prompt(1))));
        assertFalse(member(engine, a).healthy());
        int checks = a.healthChecks();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.healthChecks() >= checks + 2);
        assertFalse(member(engine, a).healthy(), "a failing /health keeps it out");
        a.always(Answer.tokens("a"));
        a.health(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> member(engine, a).healthy());
        boolean servedByA = false;
        for (int i = 0; i < 2 && !servedByA; i++) {
            servedByA = text(complete(engine, prompt(1))).equals("a");
        }
        assertTrue(servedByA, "the member serves again");
        awaitIdle(engine);
    }
}
