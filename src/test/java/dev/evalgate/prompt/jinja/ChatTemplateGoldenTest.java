package dev.evalgate.prompt.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Replays renderings made by Python transformers' apply_chat_template and demands byte-identical output. */
class ChatTemplateGoldenTest {

    // Shared with the Python side, which produced it; read in place so the two can never drift apart.
    private static final Path GOLDEN = Path.of("../shared/data/chat-template-golden.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> rendersLikeTransformers() throws IOException {
        JsonNode cases = JSON.readTree(GOLDEN.toFile()).get("cases");
        ChatTemplate template = ChatTemplate.llama31Default();
        return StreamSupport.stream(cases.spliterator(), false)
                .map(golden -> dynamicTest(golden.get("name").asText(), () -> check(template, golden)));
    }

    /** The goldens were rendered from the reference template; the server renders the classpath copy. */
    @Test
    void classpathDefaultIsTheGoldenTemplate() throws IOException {
        JsonNode golden = JSON.readTree(GOLDEN.toFile());
        Path reference = GOLDEN.getParent().resolveSibling(golden.get("template_file").asText());
        String classpathCopy;
        try (InputStream in = ChatTemplate.class.getResourceAsStream("/evalgate/default-model/chat_template.jinja")) {
            classpathCopy = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(reference), classpathCopy);
    }

    private static void check(ChatTemplate template, JsonNode golden) {
        Map<String, Object> context = JSON.convertValue(golden.get("context"), new TypeReference<>() {});
        String name = golden.get("name").asText();
        if (golden.get("ok").asBoolean()) {
            assertEquals(golden.get("out").asText(), template.render(context), name);
        } else {
            String expected = golden.has("error") ? golden.get("error").asText() : golden.get("out").asText();
            ChatTemplateException thrown =
                    assertThrows(ChatTemplateException.class, () -> template.render(context), name);
            assertEquals(expected, thrown.getMessage(), name);
        }
    }
}
