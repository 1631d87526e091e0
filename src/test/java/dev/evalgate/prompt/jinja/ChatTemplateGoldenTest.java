package dev.evalgate.prompt.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Replays renderings made by Python transformers' apply_chat_template and demands byte-identical output. The goldens
 * are {@code src/test/resources/golden/chat-template-golden.json}; its README names their source.
 */
class ChatTemplateGoldenTest {

    private static final String GOLDEN = "/golden/chat-template-golden.json";
    // SHA-256 of the reference template the goldens were rendered from (their "template_file")
    private static final String GOLDEN_TEMPLATE_SHA256 = "831a06635cdf7ce2bc17ba94364852a0f84dd6da6a4cc4f49a06300dedec2342";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode golden() throws IOException {
        try (InputStream in = ChatTemplateGoldenTest.class.getResourceAsStream(GOLDEN)) {
            return JSON.readTree(in);
        }
    }

    @TestFactory
    Stream<DynamicTest> rendersLikeTransformers() throws IOException {
        JsonNode cases = golden().get("cases");
        ChatTemplate template = ChatTemplate.llama31Default();
        return StreamSupport.stream(cases.spliterator(), false)
                .map(golden -> dynamicTest(golden.get("name").asText(), () -> check(template, golden)));
    }

    /** The goldens were rendered from the reference template; the server renders the classpath copy. */
    @Test
    void classpathDefaultIsTheGoldenTemplate() throws Exception {
        assertEquals("reference/llama-3.1-chat-template.jinja", golden().get("template_file").asText());
        byte[] classpathCopy;
        try (InputStream in = ChatTemplate.class.getResourceAsStream("/evalgate/default-model/chat_template.jinja")) {
            classpathCopy = in.readAllBytes();
        }
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(classpathCopy));
        assertEquals(GOLDEN_TEMPLATE_SHA256, sha256);
        assertEquals(new String(classpathCopy, StandardCharsets.UTF_8), ChatTemplate.llama31DefaultSource());
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
