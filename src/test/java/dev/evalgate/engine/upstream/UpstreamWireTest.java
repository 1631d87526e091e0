package dev.evalgate.engine.upstream;

import static dev.evalgate.engine.upstream.FakeUpstreamServer.JSON;
import static dev.evalgate.engine.upstream.FakeUpstreamServer.chatChunk;
import static dev.evalgate.engine.upstream.FakeUpstreamServer.completionChunk;
import static dev.evalgate.engine.upstream.FakeUpstreamServer.usageChunk;
import static dev.evalgate.engine.upstream.TestPool.awaitIdle;
import static dev.evalgate.engine.upstream.TestPool.complete;
import static dev.evalgate.engine.upstream.TestPool.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.GenerationStep;
import dev.evalgate.engine.SamplingParams;
import dev.evalgate.engine.upstream.FakeUpstreamServer.Answer;
import io.vertx.core.Vertx;

/**
 * What the pool sends an upstream and how it reads the answer: in prompt mode evalgate's token ids with the budget
 * and sampling (never the stop strings, which evalgate applies), in chat mode the conversation; the streamed chunks
 * become steps whose token counts add up to what the upstream generated.
 */
class UpstreamWireTest {

    static Vertx vertx;
    FakeUpstreamServer server;
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
    void server() {
        server = FakeUpstreamServer.start(vertx);
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
        server.close();
    }

    static Stream<Arguments> promptBodies() {
        String stream = "\"stream\":true,\"stream_options\":{\"include_usage\":true,\"continuous_usage_stats\":true}";
        return Stream.of(
                Arguments.of("greedy", new SamplingParams(0, 1, 0, null, 5, List.of(), false),
                        "{\"model\":\"fake-model\",\"prompt\":[1,2,3],\"max_tokens\":5,\"temperature\":0.0,"
                                + "\"top_p\":1.0," + stream + "}"),
                Arguments.of("sampled with top_k and a seed; stop strings stay in evalgate",
                        new SamplingParams(0.7, 0.9, 40, 1234L, 64, List.of("\n\n", "Question:"), true),
                        "{\"model\":\"fake-model\",\"prompt\":[1,2,3],\"max_tokens\":64,\"temperature\":0.7,"
                                + "\"top_p\":0.9,\"top_k\":40,\"seed\":1234," + stream + "}"),
                Arguments.of("log-probabilities of generated tokens",
                        new SamplingParams(0, 1, 0, 7L, 3, List.of(), false).withLogprobs(2, SamplingParams.NONE),
                        "{\"model\":\"fake-model\",\"prompt\":[1,2,3],\"max_tokens\":3,\"logprobs\":2,"
                                + "\"temperature\":0.0,\"top_p\":1.0,\"seed\":7," + stream + "}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("promptBodies")
    void promptModeSendsTheTokenIdsBudgetAndSampling(String name, SamplingParams sampling, String expected)
            throws Exception {
        engine = TestPool.of(server).start(vertx);
        complete(engine, new GenerationRequest("r", new int[] {1, 2, 3}, sampling));
        FakeUpstreamServer.Received r = server.onlyGeneration();
        assertEquals("/v1/completions", r.path);
        assertEquals(JSON.readTree(expected), r.body);
        assertNull(r.headers.get("Authorization"), "no key configured, none sent");
        awaitIdle(engine);
    }

    @Test
    void theConfiguredModelNameAndApiKeyAreSent() {
        engine = TestPool.of(server).model("served-as").apiKey("sk-test").start(vertx);
        complete(engine, prompt(1));
        FakeUpstreamServer.Received r = server.onlyGeneration();
        assertEquals("served-as", r.body.path("model").asText());
        assertEquals("Bearer sk-test", r.headers.get("Authorization"));
        awaitIdle(engine);
    }

    @Test
    void modelAndContextLengthComeFromTheMembersAtStart() {
        try (FakeUpstreamServer other = FakeUpstreamServer.start(vertx)) {
            server.serving("org/llama-70b", 8192);
            other.serving("org/llama-70b", 4096);
            engine = TestPool.of(server, other).start(vertx);
            assertEquals("org/llama-70b", engine.modelName());
            assertEquals(4096, engine.capabilities().maxContextLength(), "the smallest member's");
        }
    }

    static Stream<Arguments> chatBodies() {
        List<Map<String, Object>> messages = List.of(Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", "Привет"));
        return Stream.of(
                Arguments.of("plain conversation, no budget from the client",
                        new GenerationRequest.ChatPrompt(messages, null, true, null, null),
                        "{\"model\":\"fake-model\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                                + "{\"role\":\"user\",\"content\":\"Привет\"}],\"temperature\":0.0,\"top_p\":1.0,"
                                + "\"stream\":true,\"stream_options\":{\"include_usage\":true,"
                                + "\"continuous_usage_stats\":true}}"),
                Arguments.of("tools, no generation prompt, template kwargs, a budget",
                        new GenerationRequest.ChatPrompt(List.of(Map.of("role", "user", "content", "x")),
                                List.of(Map.of("type", "function")), false, Map.of("date_string", "01 Jan 2025"), 5),
                        "{\"model\":\"fake-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                                + "\"tools\":[{\"type\":\"function\"}],\"add_generation_prompt\":false,"
                                + "\"chat_template_kwargs\":{\"date_string\":\"01 Jan 2025\"},\"max_tokens\":5,"
                                + "\"temperature\":0.0,\"top_p\":1.0,\"stream\":true,\"stream_options\":"
                                + "{\"include_usage\":true,\"continuous_usage_stats\":true}}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("chatBodies")
    void chatModeForwardsTheConversation(String name, GenerationRequest.ChatPrompt chat, String expected)
            throws Exception {
        server.always(Answer.stream().data(chatChunk("assistant", "", null, 0)).data(chatChunk(null, "Hi", "stop", 1))
                .data(usageChunk(1)).done());
        engine = TestPool.of(server).chat().start(vertx);
        complete(engine, new GenerationRequest("r", new int[0],
                new SamplingParams(0, 1, 0, null, 5, List.of("stop here"), false), chat));
        FakeUpstreamServer.Received r = server.onlyGeneration();
        assertEquals("/v1/chat/completions", r.path);
        assertEquals(JSON.readTree(expected), r.body);
        awaitIdle(engine);
    }

    /** A step as the test compares it: text, tokens, end of turn. */
    record S(String text, int tokens, boolean endOfTurn) {
        static S of(GenerationStep step) {
            return new S(step.text(), step.tokens(), step.endOfTurn());
        }
    }

    static Stream<Arguments> streams() {
        return Stream.of(
                Arguments.of("continuous usage: a chunk of two tokens counts two",
                        Answer.stream().data(completionChunk("He", null, 1)).data(completionChunk("llo wor", null, 3))
                                .data(completionChunk("ld", "length", 4)).data(usageChunk(4)).done(),
                        List.of(new S("He", 1, false), new S("llo wor", 2, false), new S("ld", 1, false))),
                Arguments.of("continuous usage: the end-of-sequence token counts, with no text",
                        Answer.stream().data(completionChunk("Yes", null, 1)).data(completionChunk("", "stop", 2))
                                .data(usageChunk(2)).done(),
                        List.of(new S("Yes", 1, false), new S("", 1, true))),
                Arguments.of("continuous usage: the last token and finish_reason stop in one chunk",
                        Answer.stream().data(completionChunk("Yes", "stop", 1)).data(usageChunk(1)).done(),
                        List.of(new S("Yes", 1, true))),
                Arguments.of("without usage: one token per chunk",
                        Answer.stream().data(completionChunk("a", null, null)).data(completionChunk("b", null, null))
                                .data(completionChunk("c", "length", null)).done(),
                        List.of(new S("a", 1, false), new S("b", 1, false), new S("c", 1, false))),
                Arguments.of("without usage: finish_reason stop alone is end of turn",
                        Answer.stream().data(completionChunk("a", null, null)).data(completionChunk("", "stop", null))
                                .done(),
                        List.of(new S("a", 1, false), new S("", 0, true))),
                Arguments.of("without usage: the logprobs say how many tokens a chunk holds",
                        Answer.stream().data("{\"choices\":[{\"index\":0,\"text\":\"ab\",\"logprobs\":{\"tokens\":"
                                + "[\"a\",\"b\"],\"token_logprobs\":[-0.5,-1.5],\"top_logprobs\":[{\"a\":-0.5},"
                                + "{\"b\":-1.5}],\"text_offset\":[0,1]},\"finish_reason\":\"length\"}]}").done(),
                        List.of(new S("ab", 2, false))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streams")
    void chunksBecomeStepsWithTheirTokenCounts(String name, Answer answer, List<S> expected) {
        server.always(answer);
        engine = TestPool.of(server).start(vertx);
        assertEquals(expected, complete(engine, prompt(10)).stream().map(S::of).toList());
        awaitIdle(engine);
    }

    @Test
    void generatedLogprobsComeWithTheirTokensMostLikelyFirst() {
        server.always(Answer.stream().data("{\"choices\":[{\"index\":0,\"text\":\"a\",\"logprobs\":{\"tokens\":[\"a\"],"
                + "\"token_logprobs\":[-0.5],\"top_logprobs\":[{\"z\":-3.0,\"a\":-0.5,\"m\":-1.0}],"
                + "\"text_offset\":[0]},\"finish_reason\":\"length\"}],\"usage\":{\"completion_tokens\":1}}").done());
        engine = TestPool.of(server).start(vertx);
        GenerationRequest request = new GenerationRequest("r", new int[] {1},
                new SamplingParams(0, 1, 0, null, 1, List.of(), false).withLogprobs(2, SamplingParams.NONE));
        GenerationStep step = complete(engine, request).get(0);
        assertEquals("a", step.logprobs().get(0).token());
        assertEquals(-0.5, step.logprobs().get(0).logprob());
        assertEquals(List.of("a", "m", "z"),
                step.logprobs().get(0).top().stream().map(c -> c.token()).toList());
        awaitIdle(engine);
    }

    /** Prompt [1, 2], scored, and one generated token: vLLM's answer with echo and logprobs 1. */
    static final String ECHO_ANSWER = "{\"id\":\"cmpl-x\",\"object\":\"text_completion\",\"created\":1,"
            + "\"model\":\"fake-model\",\"choices\":[{\"index\":0,\"text\":\"Paris is big\",\"logprobs\":{"
            + "\"tokens\":[\"Paris\",\" is\",\" big\"],\"token_logprobs\":[null,-1.5,-0.25],"
            + "\"top_logprobs\":[null,{\" is\":-1.5,\" was\":-1.0},{\" big\":-0.25}],\"text_offset\":[0,5,8]},"
            + "\"finish_reason\":\"length\",\"stop_reason\":null}],\"usage\":{\"prompt_tokens\":2,"
            + "\"completion_tokens\":1,\"total_tokens\":3}}";

    static GenerationRequest scored() {
        return new GenerationRequest("r", new int[] {1, 2},
                new SamplingParams(0, 1, 0, 1234L, 1, List.of(), false).withLogprobs(1, 1));
    }

    @Test
    void promptLogprobsComeFromOneWholeEchoedAnswer() throws Exception {
        server.always(Answer.status(200, ECHO_ANSWER));
        engine = TestPool.of(server).start(vertx);
        List<GenerationStep> steps = complete(engine, scored());
        assertEquals(JSON.readTree("{\"model\":\"fake-model\",\"prompt\":[1,2],\"max_tokens\":1,\"logprobs\":1,"
                + "\"echo\":true,\"temperature\":0.0,\"top_p\":1.0,\"seed\":1234}"), server.onlyGeneration().body,
                "not streamed");
        assertEquals(1, steps.size());
        GenerationStep step = steps.get(0);
        assertEquals(new S(" big", 1, false), S.of(step), "the generated text alone, after the echoed prompt");
        assertNull(step.promptLogprobs().get(0), "nothing precedes the first prompt token");
        assertEquals(" is", step.promptLogprobs().get(1).token());
        assertEquals(-1.5, step.promptLogprobs().get(1).logprob());
        assertEquals(List.of(" was", " is"), step.promptLogprobs().get(1).top().stream().map(c -> c.token()).toList());
        assertEquals(" big", step.logprobs().get(0).token());
        awaitIdle(engine);
    }

    static Stream<Arguments> unusableEchoAnswers() {
        return Stream.of(
                Arguments.of("no log-probabilities (an upstream without echo support)",
                        "{\"choices\":[{\"index\":0,\"text\":\"x\",\"logprobs\":null,\"finish_reason\":\"length\"}]}",
                        "gave no log-probabilities for the prompt"),
                Arguments.of("not JSON", "<html>a proxy's page</html>", "not JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unusableEchoAnswers")
    void anEchoAnswerWithoutPromptLogprobsFailsAtOnceSayingWhy(String name, String body, String reason) {
        server.always(Answer.status(200, body));
        engine = TestPool.of(server).start(vertx);
        Throwable failure = TestPool.run(engine, scored()).awaitFailure(Duration.ofSeconds(2)).getFailure();
        assertTrue(failure.getMessage().contains(reason), failure.getMessage());
        awaitIdle(engine);
    }

    @Test
    void chatModeTellsThePromptLengthTheUpstreamRendered() {
        server.always(Answer.stream().data(chatChunk("assistant", "", null, 0)).data(chatChunk(null, "Да", null, 1))
                .data(chatChunk(null, "", "stop", 2)).data(usageChunk(2)).done());
        engine = TestPool.of(server).chat().start(vertx);
        List<GenerationStep> steps = complete(engine, new GenerationRequest("r", new int[0],
                new SamplingParams(0, 1, 0, null, 5, List.of(), false),
                new GenerationRequest.ChatPrompt(List.of(Map.of("role", "user", "content", "?")), null, true, null,
                        null)));
        assertEquals(FakeUpstreamServer.PROMPT_TOKENS, steps.get(0).promptTokens());
        assertEquals(List.of(new S("", 0, false), new S("Да", 1, false), new S("", 1, true)),
                steps.stream().map(S::of).toList());
        awaitIdle(engine);
    }

    @Test
    void aChatUpstreamThatSendsNoUsageStillEnds() {
        server.always(Answer.stream().data(chatChunk("assistant", "", null, null))
                .data(chatChunk(null, "Да", null, null)).data(chatChunk(null, "", "stop", null)).done());
        engine = TestPool.of(server).chat().start(vertx);
        List<GenerationStep> steps = complete(engine, new GenerationRequest("r", new int[0],
                new SamplingParams(0, 1, 0, null, 5, List.of(), false),
                new GenerationRequest.ChatPrompt(List.of(Map.of("role", "user", "content", "?")), null, true, null,
                        null)));
        assertEquals(List.of(new S("Да", 1, false), new S("", 0, true)), steps.stream().map(S::of).toList());
        awaitIdle(engine);
    }
}
