package dev.evalgate.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.evalgate.engine.FakeEngine;
import dev.evalgate.engine.llamacpp.Llama31TokenizerFiles;
import dev.evalgate.prompt.jinja.ChatTemplate;

/** Where the chat template, special tokens and tokenizer come from, in the documented order. */
class PromptFormatTest {

    static final Map<String, Object> CONTEXT = Map.of("messages", List.of(Map.of("role", "user", "content", "hi")));

    @TempDir
    Path dir;

    @Test
    void namedTemplateListInTokenizerConfigPicksDefault() throws Exception {
        Path tok = Llama31TokenizerFiles.ensure(dir.resolve("tok"));
        Files.writeString(tok.resolve("tokenizer_config.json"), """
                {"bos_token": {"content": "<|begin_of_text|>", "lstrip": false},
                 "eos_token": "<|eot_id|>",
                 "chat_template": [{"name": "tool_use", "template": "TOOLS"},
                                   {"name": "default", "template": "{{ bos_token }}D:{{ messages[0].content }}{{ eos_token }}"}]}
                """);
        PromptFormat format = PromptFormat.load(Optional.of(tok), Optional.empty(), dir.resolve("djl"),
                FakeEngine.withTemplate("GGUF", 1, 2));
        assertEquals("<|begin_of_text|>", format.bosToken());
        assertEquals("<|eot_id|>", format.eosToken());
        assertEquals("D:hi", render(format).replace("<|begin_of_text|>", "").replace("<|eot_id|>", ""));
        assertInstanceOf(HuggingFaceTokenizerFile.class, format.tokenizer());
        assertArrayEquals(new int[] {128000, 54745, 28089, 8341, 11, 115388, 0, 128009},
                format.tokenizer().encode("<|begin_of_text|>Привет, мир!<|eot_id|>", false));
        assertArrayEquals(new int[] {128000, 9906}, format.tokenizer().encode("Hello", true));
        assertEquals("<|eom_id|><|python_tag|>", format.tokenizer().decode(new int[] {128008, 128010}));
        assertEquals("tokenizer_config.json", format.templateSource());
    }

    @Test
    void configuredTemplateFileWinsOverEverything() throws Exception {
        Path tok = Llama31TokenizerFiles.ensure(dir.resolve("tok"));
        Path file = Files.writeString(dir.resolve("t.jinja"), "F:{{ messages | length }}");
        PromptFormat format = PromptFormat.load(Optional.of(tok), Optional.of(file), dir.resolve("djl"),
                FakeEngine.withTemplate("GGUF", 1, 2));
        assertEquals("F:1", render(format));
    }

    @Test
    void bareModelFileUsesItsOwnTemplateAndTheEngineTokenizer() throws Exception {
        PromptFormat format = PromptFormat.load(Optional.empty(), Optional.empty(), dir.resolve("djl"),
                FakeEngine.withTemplate("G[{{ bos_token }}]{{ messages[0].content }}", 'B', 'E'));
        assertEquals("G[B]hi", render(format));
        assertEquals("E", format.eosToken());
        assertInstanceOf(EngineTokenizer.class, format.tokenizer());
        assertArrayEquals(new int[] {'B', 'h', 'i'}, format.tokenizer().encode("hi", true));
    }

    @Test
    void nothingKnownFallsBackToLlama31() throws Exception {
        PromptFormat format = PromptFormat.load(Optional.empty(), Optional.empty(), dir.resolve("djl"),
                FakeEngine.withTemplate(null, 'B', 'E'));
        assertEquals(ChatTemplate.llama31DefaultSource(), format.templateText());
    }

    private static String render(PromptFormat format) {
        Map<String, Object> context = new java.util.HashMap<>(CONTEXT);
        context.put("bos_token", format.bosToken());
        context.put("eos_token", format.eosToken());
        return format.template().render(context);
    }
}
