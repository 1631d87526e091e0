package dev.evalgate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The official OpenAI Java client, pointed at evalgate as at any OpenAI-compatible server. */
@QuarkusTest
class OpenAiClientTest {

    @TestHTTPResource("/v1")
    URL base;

    OpenAIClient client;

    @BeforeEach
    void connect() {
        client = OpenAIOkHttpClient.builder().baseUrl(base.toString()).apiKey("unused").maxRetries(0).build();
    }

    @AfterEach
    void close() {
        client.close();
    }

    private static ChatCompletionCreateParams.Builder params() {
        return ChatCompletionCreateParams.builder()
                .model(ChatCompletionsTest.MODEL)
                .addSystemMessage("You are terse.")
                .addUserMessage("Name three colours.")
                .temperature(0.0)
                .maxCompletionTokens(20);
    }

    @Test
    void listsModels() {
        List<String> ids = client.models().list().data().stream().map(m -> m.id()).toList();
        assertEquals(List.of(ChatCompletionsTest.MODEL), ids);
    }

    @Test
    void nonStreamingAndStreamingAgree() {
        ChatCompletion completion = client.chat().completions().create(params().build());
        String text = completion.choices().get(0).message().content().orElseThrow();
        assertFalse(text.isEmpty());
        long completionTokens = completion.usage().orElseThrow().completionTokens();
        // greedy decoding of the default model uses the whole budget of 20 here
        assertEquals(20, completionTokens);
        assertEquals("length", completion.choices().get(0).finishReason().asString());

        StringBuilder streamed = new StringBuilder();
        long[] usage = {-1};
        String[] finish = {null};
        ChatCompletionCreateParams streaming = params()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(streaming)) {
            stream.stream().forEach(chunk -> {
                chunk.choices().forEach(c -> {
                    c.delta().content().ifPresent(streamed::append);
                    c.finishReason().ifPresent(r -> finish[0] = r.asString());
                });
                chunk.usage().ifPresent(u -> usage[0] = u.completionTokens());
            });
        }
        assertEquals(text, streamed.toString());
        assertEquals(completion.choices().get(0).finishReason().asString(), finish[0]);
        assertEquals(completionTokens, usage[0]);
    }

    @Test
    void legacyCompletionsWorkStreamingOrNot() {
        CompletionCreateParams params = CompletionCreateParams.builder().model(ChatCompletionsTest.MODEL)
                .prompt("The capital of France is").maxTokens(8).temperature(0.0).build();
        Completion completion = client.completions().create(params);
        String text = completion.choices().get(0).text();
        assertEquals(8, completion.usage().orElseThrow().completionTokens());
        assertEquals(CompletionChoice.FinishReason.LENGTH, completion.choices().get(0).finishReason());
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(c -> streamed.append(c.text())));
        }
        assertEquals(text, streamed.toString());
        // llama.cpp gives no prompt log-probabilities: a typed 400, not made-up numbers
        BadRequestException refused = org.junit.jupiter.api.Assertions.assertThrows(BadRequestException.class,
                () -> client.completions().create(params.toBuilder().echo(true).logprobs(1L).maxTokens(1).build()));
        assertTrue(refused.getMessage().contains("llamacpp"), refused.getMessage());
    }

    @Test
    void errorsSurfaceAsTypedClientExceptions() {
        BadRequestException bad = org.junit.jupiter.api.Assertions.assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(params().temperature(-1.0).build()));
        assertTrue(bad.getMessage().contains("temperature"), bad.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(NotFoundException.class,
                () -> client.chat().completions().create(params().model("no-such-model").build()));
    }
}
