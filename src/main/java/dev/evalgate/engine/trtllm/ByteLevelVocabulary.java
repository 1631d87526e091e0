package dev.evalgate.engine.trtllm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalInt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.generation.ByteLevelAlphabet;
import dev.evalgate.generation.Utf8StreamDecoder;

/**
 * The bytes each token id stands for in a byte-level BPE {@code tokenizer.json} (Llama 3's, as GPT-2's): what the
 * engine appends to a sequence's {@link Utf8StreamDecoder} as token ids stream in, so text is decoded in Java without
 * a tokenizer call per token. Vocabulary entries are GPT-2's printable stand-ins for bytes; added tokens (the special
 * ones) stand for their content. Immutable and thread-safe.
 */
final class ByteLevelVocabulary {

    private static final byte[] NONE = new byte[0];

    private final byte[][] bytes;
    private final Map<String, Integer> added;
    /** Each token alone as text, made on first use (only log-probabilities need them). */
    private final String[] texts;

    private ByteLevelVocabulary(byte[][] bytes, Map<String, Integer> added) {
        this.bytes = bytes;
        this.added = added;
        this.texts = new String[bytes.length];
    }

    /** Reads {@code tokenizer.json}; refuses a tokenizer whose decoder is not byte-level. */
    static ByteLevelVocabulary load(Path tokenizerJson) throws IOException {
        JsonNode root = new ObjectMapper().readTree(tokenizerJson.toFile());
        if (!isByteLevel(root.path("decoder"))) {
            throw new IOException(tokenizerJson + " is not a byte-level BPE tokenizer (its decoder is "
                    + root.path("decoder").path("type").asText("missing") + "): the trtllm engine decodes byte-level "
                    + "vocabularies such as Llama 3's");
        }
        Map<Integer, byte[]> byId = new HashMap<>();
        int max = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("model").path("vocab").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> entry = it.next();
            int id = entry.getValue().asInt();
            byId.put(id, entryBytes(entry.getKey()));
            max = Math.max(max, id);
        }
        Map<String, Integer> added = new HashMap<>();
        for (JsonNode token : root.path("added_tokens")) {
            int id = token.path("id").asInt();
            String content = token.path("content").asText();
            byId.put(id, content.getBytes(StandardCharsets.UTF_8));
            added.put(content, id);
            max = Math.max(max, id);
        }
        byte[][] bytes = new byte[max + 1][];
        for (int id = 0; id <= max; id++) {
            bytes[id] = byId.getOrDefault(id, NONE);
        }
        return new ByteLevelVocabulary(bytes, Map.copyOf(added));
    }

    private static boolean isByteLevel(JsonNode decoder) {
        if ("ByteLevel".equals(decoder.path("type").asText())) {
            return true;
        }
        for (JsonNode part : decoder.path("decoders")) {
            if (isByteLevel(part)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] entryBytes(String entry) {
        byte[] out = new byte[entry.length() * 4];
        int n = 0;
        for (int i = 0; i < entry.length(); i++) {
            char c = entry.charAt(i);
            int b = ByteLevelAlphabet.byteOf(c);
            if (b >= 0) {
                out[n++] = (byte) b;
            } else {
                // not a byte stand-in (no such entry in Llama 3's vocabulary): the character itself, as UTF-8
                int cp = Character.codePointAt(entry, i);
                byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(utf8, 0, out, n, utf8.length);
                n += utf8.length;
                i += Character.charCount(cp) - 1;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** The bytes of token {@code id}; none for an id the vocabulary lacks. Do not modify. */
    byte[] bytes(int id) {
        return id >= 0 && id < bytes.length ? bytes[id] : NONE;
    }

    /** The token alone as text; an incomplete UTF-8 character shows as U+FFFD, as vLLM shows it. */
    String text(int id) {
        if (id < 0 || id >= texts.length) {
            return "";
        }
        String text = texts[id];
        if (text == null) {
            // a benign race: two threads may both compute the same string
            Utf8StreamDecoder decoder = new Utf8StreamDecoder();
            text = decoder.append(bytes[id]) + decoder.flush();
            texts[id] = text;
        }
        return text;
    }

    /** The text of {@code ids} together, special tokens as their content. */
    String decode(int[] ids) {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            out.append(decoder.append(bytes(id)));
        }
        return out.append(decoder.flush()).toString();
    }

    /** The id of an added (special) token, by its content. */
    OptionalInt addedToken(String content) {
        Integer id = added.get(content);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** One more than the highest id. */
    int size() {
        return bytes.length;
    }
}
