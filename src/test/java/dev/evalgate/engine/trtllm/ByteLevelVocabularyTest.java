package dev.evalgate.engine.trtllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.evalgate.generation.Utf8StreamDecoder;
import dev.evalgate.prompt.HuggingFaceTokenizerFile;

/**
 * The engine's own detokenization (token bytes from tokenizer.json, through the UTF-8 stream decoder) gives exactly
 * the text the Hugging Face tokenizer gives, on the real Llama 3.1 vocabulary.
 */
class ByteLevelVocabularyTest {

    /** MERA-shaped Russian, English, code, CJK, emoji (several tokens per character), and special tokens. */
    static final List<String> TEXTS = List.of(
            "Реши задачу по инструкции ниже. Ответ: B. Съешь же ещё этих мягких французских булок!",
            "The quick brown fox jumps over the lazy dog; 2 + 2 = 4.\n\n",
            "def add(a, b):\n    return a + b  # сумма\n",
            "日本語のテキスト、中文文本 🙂🤖👩‍👩‍👧 emoji, ZWJ and ‰ «кавычки» — dash",
            "<|start_header_id|>assistant<|end_header_id|>\n\nПривет, мир!<|eot_id|>");

    static HuggingFaceTokenizerFile tokenizer;
    static ByteLevelVocabulary vocabulary;

    @BeforeAll
    static void load() throws IOException {
        Path dir = FakeExecutor.tokenizerDir();
        tokenizer = HuggingFaceTokenizerFile.load(dir.resolve("tokenizer.json"),
                Files.createDirectories(FakeExecutor.WORK.resolve("djl")));
        vocabulary = ByteLevelVocabulary.load(dir.resolve("tokenizer.json"));
    }

    @Test
    void tokenByTokenDecodingGivesTheHuggingFaceTextInWholeCharacters() {
        for (String text : TEXTS) {
            int[] ids = tokenizer.encode(text, false);
            Utf8StreamDecoder decoder = new Utf8StreamDecoder();
            StringBuilder streamed = new StringBuilder();
            List<String> pieces = new ArrayList<>();
            for (int id : ids) {
                String piece = decoder.append(vocabulary.bytes(id));
                assertFalse(piece.contains("\uFFFD"), "a piece of " + text + " split a character: " + pieces);
                pieces.add(piece);
                streamed.append(piece);
            }
            streamed.append(decoder.flush());
            assertEquals(tokenizer.decode(ids), streamed.toString());
            assertEquals(text, streamed.toString());
            assertEquals(text, vocabulary.decode(ids));
        }
    }

    @Test
    void multiByteCharactersReallySpanTokensInTheseTexts() {
        int[] ids = tokenizer.encode("🤖", false);
        assertTrue(ids.length > 1, "the test needs a character the tokenizer splits: " + ids.length);
        assertEquals("", new Utf8StreamDecoder().append(vocabulary.bytes(ids[0])));
    }

    @Test
    void everyTokenAloneDecodesAsTheHuggingFaceTokenizerDecodesIt() {
        assertEquals(tokenizer.vocabularySize(), vocabulary.size());
        for (int id = 0; id < vocabulary.size(); id++) {
            assertEquals(tokenizer.decode(new int[] {id}), vocabulary.text(id), "token " + id);
        }
    }

    @Test
    void specialTokensAreFoundByTheirContent() {
        assertEquals(128000, vocabulary.addedToken("<|begin_of_text|>").getAsInt());
        assertEquals(128009, vocabulary.addedToken("<|eot_id|>").getAsInt());
        assertEquals(128008, vocabulary.addedToken("<|eom_id|>").getAsInt());
        assertFalse(vocabulary.addedToken("<|no such token|>").isPresent());
    }

    @Test
    void aTokenizerThatIsNotByteLevelIsRefusedWithItsDecoderNamed() throws IOException {
        Path file = Files.createDirectories(FakeExecutor.WORK.resolve("sentencepiece")).resolve("tokenizer.json");
        Files.writeString(file, """
                {"model": {"type": "BPE", "vocab": {"▁a": 0}}, "added_tokens": [],
                 "decoder": {"type": "Sequence", "decoders": [{"type": "Replace"}, {"type": "ByteFallback"}]}}
                """);
        IOException e = assertThrows(IOException.class, () -> ByteLevelVocabulary.load(file));
        assertTrue(e.getMessage().contains("not a byte-level BPE tokenizer"), e.getMessage());
    }
}
