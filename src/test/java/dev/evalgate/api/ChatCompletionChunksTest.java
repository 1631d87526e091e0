package dev.evalgate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;

import dev.evalgate.api.protocol.ChatCompletionChunk;
import dev.evalgate.api.protocol.ChatCompletionChunk.Choice;
import dev.evalgate.api.protocol.ChatCompletionChunk.Delta;
import dev.evalgate.api.protocol.Usage;
import dev.evalgate.generation.FinishReason;

/** The hand-built streaming chunks are byte for byte what Jackson writes for the {@link ChatCompletionChunk} record. */
class ChatCompletionChunksTest {

    private static final ObjectMapper JACKSON = JsonMapper.builder().addModule(new Jdk8Module()).build();
    private static final String ID = "chatcmpl-0123456789abcdef";
    private static final long CREATED = 1_795_898_568L;

    @ParameterizedTest
    @ValueSource(strings = {"", "Ответ", " B", "\"quoted\" and \\ backslash", "line\nbreak\ttab\r", "\u0000\u001f\u007f",
            "\u2028\u2029 </script> 🙂 日本語", "{\"json\": [1, 2]}", "ends in a lone surrogate \ud83d"})
    void everyChunkEqualsJacksonsRenderingOfTheRecord(String text) throws Exception {
        String model = "model \"" + text + "\"";
        ChatCompletionChunks chunks = new ChatCompletionChunks(ID, CREATED, model);
        assertEquals(jackson(model, new Choice(2, new Delta("assistant", ""), null, null, null)), chunks.role(2));
        assertEquals(jackson(model, new Choice(0, new Delta(null, text), null, null, null)), chunks.content(0, text));
        for (FinishReason reason : FinishReason.values()) {
            for (String stop : new String[] {null, "\n", text.isEmpty() ? "x" : text}) {
                assertEquals(jackson(model, new Choice(1, new Delta(null, text.isEmpty() ? null : text), null,
                        reason.wire(), Optional.ofNullable(stop))), chunks.finish(1, text, reason, stop));
            }
        }
        assertEquals("data: " + JACKSON.writeValueAsString(new ChatCompletionChunk(ID, CREATED, model, List.of(),
                Usage.of(871, 2))) + "\n\n", chunks.usage(871, 2));
    }

    private static String jackson(String model, Choice choice) throws Exception {
        return "data: " + JACKSON.writeValueAsString(new ChatCompletionChunk(ID, CREATED, model, List.of(choice), null))
                + "\n\n";
    }
}
