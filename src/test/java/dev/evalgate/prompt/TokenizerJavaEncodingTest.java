package dev.evalgate.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.evalgate.engine.llamacpp.Llama31TokenizerFiles;
import dev.evalgate.prompt.jinja.ChatTemplate;

/**
 * The Java encoder of the Llama 3.1 {@code tokenizer.json} ({@link ByteLevelBpe}, with its segment and piece caches)
 * gives the Rust tokenizers library's ids, id for id: on every text and rendered prompt of the test data and on
 * random text built to hit the pre-tokenizer's and the special-token splitter's edge cases.
 */
class TokenizerJavaEncodingTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String[] MERA_FILES = {"rudetox_public_test.sample.jsonl", "ruethics_public_test.sample.jsonl",
        "ruhatespeech_public_test.sample.jsonl", "ruhhh_public_test.sample.jsonl", "toloka_control_items_with_gold.jsonl"};

    @TempDir
    static Path dir;

    private static HuggingFaceTokenizerFile tokenizer;
    private static Path tokenizerJson;

    @BeforeAll
    static void load() throws IOException {
        tokenizerJson = Llama31TokenizerFiles.ensure(dir.resolve("tok")).resolve("tokenizer.json");
        tokenizer = HuggingFaceTokenizerFile.load(tokenizerJson, dir.resolve("djl"));
    }

    private static void assertSameIds(String text) {
        for (boolean special : new boolean[] {false, true}) {
            int[] expected = tokenizer.encodeWithLibrary(text, special);
            // three times: the first call fills the piece cache, the second the segment cache, the third reads both
            for (int i = 1; i <= 3; i++) {
                int call = i;
                assertArrayEquals(expected, tokenizer.encode(text, special),
                        () -> "encoding " + call + " of " + MAPPER.valueToTree(text));
            }
        }
    }

    @Test
    void theDefaultModelsTokenizerEncodesInJava() {
        assertTrue(tokenizer.encodesInJava());
        assertArrayEquals(new int[] {128000, 9906}, tokenizer.encode("Hello", true));
    }

    @Test
    void everyTextAndRenderedPromptOfTheMeraSamples() throws IOException {
        ChatTemplate template = ChatTemplate.compile(ChatTemplate.llama31DefaultSource());
        SystemPromptPolicy policy = new SystemPromptPolicy(SystemPromptPolicy.Mode.IF_ABSENT,
                SystemPromptPolicy.MERA_SYSTEM_PROMPT);
        int texts = 0;
        for (String file : MERA_FILES) {
            try (InputStream in = getClass().getResourceAsStream("/mera-samples/" + file)) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    if (line.isBlank()) {
                        continue;
                    }
                    List<String> strings = new ArrayList<>();
                    strings(MAPPER.readTree(line), strings);
                    String user = String.join("\n", strings);
                    strings.add(render(template, policy.apply(List.of(Map.of("role", "user", "content", user))).messages()));
                    for (String s : strings) {
                        assertSameIds(s);
                        texts++;
                    }
                }
            }
        }
        assertTrue(texts > 600, "texts checked: " + texts);
    }

    @Test
    void everyGoldenChatTemplateRendering() throws IOException {
        JsonNode golden;
        try (InputStream in = getClass().getResourceAsStream("/golden/chat-template-golden.json")) {
            golden = MAPPER.readTree(in);
        }
        int n = 0;
        for (JsonNode c : golden.path("cases")) {
            if (c.path("ok").asBoolean(true)) {
                assertSameIds(c.path("out").asText());
                n++;
            }
        }
        assertTrue(n >= 4, "renderings checked: " + n);
    }

    private static String render(ChatTemplate template, List<Map<String, Object>> messages) {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages);
        context.put("add_generation_prompt", true);
        context.put("bos_token", "<|begin_of_text|>");
        context.put("eos_token", "<|eot_id|>");
        return template.render(context);
    }

    private static void strings(JsonNode node, List<String> out) {
        if (node.isTextual()) {
            out.add(node.asText());
        }
        node.forEach(child -> strings(child, out));
    }

    /** Fragments the random texts are made of: each stresses one rule of the regex, the BPE or the splitter. */
    private static final String[] FRAGMENTS = {
        "a", "Z", "hello", " world", "Привет", " мир", "ЁЖЩ", "ёлка", "2024", "1234567", "٣٤", "½", "Ⅻ", " ", "  ",
        "   ", "\t", "\n", "\n\n", "\r\n", "\r", " \n ", "\u00a0", "\u3000", "\u2028", "\u2003", "\u0085", "\u000b",
        "'s", "'S", "'ll", "'LL", "'re", "'ve", "'m", "'d", "'t", "'ſ", "'K", "'", "\"", "...", "!!", "?", "—", "«»",
        ",", ".", "(", ")", "{}", "[", "#", "$", "%", "&", "*", "😀", "👍🏽", "🇷🇺", "👨‍👩‍👧", "中文", "日本語", "한국어",
        "é", "e\u0301", "ß", "ﬁ", "K", "ǅ", "ー", "<|eot_id|>", "<|begin_of_text|>", "<|start_header_id|>",
        "<|end_header_id|>", "<|python_tag|>", "<|eom_id|>", "<|reserved_special_token_5|>", "<|", "|>", "<|eot",
        "<<|eot_id|>", "<|eot_id|>>", "Ответ:", " A", "\nB ", "def f(x):\n    return x", "    ", "\t\t", "x" + "y".repeat(80),
        " ".repeat(70), "9".repeat(70), "😀".repeat(30), "\u0000", "\u007f", "\ufeff", "\ufffd", "\ud7ff", "\ue000"};

    @Test
    void randomTextGivesTheLibrarysIds() {
        Random random = new Random(20261130L);
        for (int i = 0; i < 3000; i++) {
            StringBuilder sb = new StringBuilder();
            int parts = 1 + random.nextInt(i % 10 == 0 ? 80 : 12);
            for (int p = 0; p < parts; p++) {
                if (random.nextInt(8) == 0) {
                    // any code point of the Basic Multilingual Plane or above, surrogates excluded
                    int cp;
                    do {
                        cp = random.nextInt(random.nextBoolean() ? 0x3000 : 0x2FFFF);
                    } while (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE);
                    sb.appendCodePoint(cp);
                } else {
                    sb.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
                }
            }
            assertSameIds(sb.toString());
        }
    }

    @Test
    void edgeCases() {
        for (String s : new String[] {"", " ", "<|eot_id|>", "<|eot_id|><|eot_id|>", "a<|eot_id|>b", " ".repeat(5000),
            "a".repeat(3000), "😀".repeat(2000), "1".repeat(1000), "\n".repeat(1000)}) {
            assertSameIds(s);
        }
    }

    @Test
    void unpairedSurrogatesAndCodePointsUnknownToThisJvmAreLeftToTheLibrary() {
        for (String s : new String[] {"a\ud800b", "\udc00", "x \ud83d", "<|eot_id|>\ud83d<|eot_id|>", "a\ud80d\udfc7've"}) {
            assertArrayEquals(tokenizer.encodeWithLibrary(s, false), tokenizer.encode(s, false));
        }
    }

    @Test
    void configurationsItDoesNotImplementAreLeftToTheLibrary() throws IOException {
        ObjectNode root = (ObjectNode) MAPPER.readTree(Files.readAllBytes(tokenizerJson));
        assertTrue(ByteLevelBpe.fromTokenizerJson(root) != null);
        ObjectNode normalized = root.deepCopy();
        normalized.putObject("normalizer").put("type", "NFC");
        assertNull(ByteLevelBpe.fromTokenizerJson(normalized));
        ObjectNode dropout = root.deepCopy();
        ((ObjectNode) dropout.path("model")).put("dropout", 0.1);
        assertNull(ByteLevelBpe.fromTokenizerJson(dropout));
        ObjectNode stripping = root.deepCopy();
        ((ObjectNode) stripping.path("added_tokens").get(0)).put("lstrip", true);
        assertNull(ByteLevelBpe.fromTokenizerJson(stripping));
        ObjectNode prefixSpace = root.deepCopy();
        ((ObjectNode) prefixSpace.path("pre_tokenizer").path("pretokenizers").get(1)).put("add_prefix_space", true);
        assertNull(ByteLevelBpe.fromTokenizerJson(prefixSpace));
        assertEquals(0, ByteLevelBpe.fromTokenizerJson(root).encode("", false).length);
    }
}
