package dev.evalgate.prompt;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

/**
 * A Hugging Face {@code tokenizer.json}, offline. Decoding runs in the Rust tokenizers library (through DJL); so does
 * encoding, unless the file is of the kind {@link ByteLevelBpe} encodes in Java (Llama 3's), which gives the same ids
 * without the library's per-call cost and reuses the ids of text it has seen.
 */
public final class HuggingFaceTokenizerFile implements Tokenizer {

    private final HuggingFaceTokenizer tokenizer;
    private final int vocabularySize;
    private final ByteLevelBpe bpe;

    private HuggingFaceTokenizerFile(HuggingFaceTokenizer tokenizer, int vocabularySize, ByteLevelBpe bpe) {
        this.tokenizer = tokenizer;
        this.vocabularySize = vocabularySize;
        this.bpe = bpe;
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
        JsonNode root = new ObjectMapper().readTree(tokenizerJson.toFile());
        return new HuggingFaceTokenizerFile(tokenizer, vocabularySize(root), ByteLevelBpe.fromTokenizerJson(root));
    }

    /** One more than the highest id of the model's vocabulary and the added tokens (DJL does not tell). */
    private static int vocabularySize(JsonNode root) {
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
        if (bpe != null) {
            try {
                return bpe.encode(text, addSpecialTokens);
            } catch (ByteLevelBpe.Unsupported e) {
                // text the Java encoder cannot promise to encode exactly: the library decides
            }
        }
        return encodeWithLibrary(text, addSpecialTokens);
    }

    /** Whether encoding runs in Java ({@link ByteLevelBpe}) rather than in the Rust library. */
    public boolean encodesInJava() {
        return bpe != null;
    }

    /** Forgets the Java encoder's cached ids (for measuring it cold); no-op when encoding runs in the library. */
    void clearEncodingCaches() {
        if (bpe != null) {
            bpe.clearCaches();
        }
    }

    /** Encoding by the Rust library alone: the reference the Java encoder is tested against. */
    int[] encodeWithLibrary(String text, boolean addSpecialTokens) {
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
