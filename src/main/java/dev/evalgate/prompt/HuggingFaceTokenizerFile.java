package dev.evalgate.prompt;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

/** A Hugging Face {@code tokenizer.json} run by the Rust tokenizers library (through DJL), offline. */
public final class HuggingFaceTokenizerFile implements Tokenizer {

    private final HuggingFaceTokenizer tokenizer;
    private final int vocabularySize;

    private HuggingFaceTokenizerFile(HuggingFaceTokenizer tokenizer, int vocabularySize) {
        this.tokenizer = tokenizer;
        this.vocabularySize = vocabularySize;
    }

    /**
     * @param tokenizerJson the {@code tokenizer.json} file
     * @param nativeCacheDir where DJL may extract its native library
     */
    public static HuggingFaceTokenizerFile load(Path tokenizerJson, Path nativeCacheDir) throws IOException {
        // DJL extracts its native library under ~/.djl.ai unless told otherwise; keep it in evalgate's data dir
        System.setProperty("DJL_CACHE_DIR", nativeCacheDir.toString());
        System.setProperty("ENGINE_CACHE_DIR", nativeCacheDir.toString());
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson,
                Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        return new HuggingFaceTokenizerFile(tokenizer, vocabularySize(tokenizerJson));
    }

    /** One more than the highest id of the model's vocabulary and the added tokens (DJL does not tell). */
    private static int vocabularySize(Path tokenizerJson) throws IOException {
        JsonNode root = new ObjectMapper().readTree(tokenizerJson.toFile());
        int max = -1;
        for (JsonNode id : root.path("model").path("vocab")) {
            max = Math.max(max, id.asInt());
        }
        for (JsonNode added : root.path("added_tokens")) {
            max = Math.max(max, added.path("id").asInt());
        }
        return max + 1;
    }

    @Override
    public int vocabularySize() {
        return vocabularySize;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = tokenizer.encode(text, addSpecialTokens, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        return tokenizer.decode(longs, false);
    }
}
