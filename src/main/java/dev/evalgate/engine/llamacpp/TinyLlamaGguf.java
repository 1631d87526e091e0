package dev.evalgate.engine.llamacpp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** A tiny random-weight Llama model with the real Llama 3.1 vocabulary, written as GGUF v3 so llama.cpp runs without a download. */
public final class TinyLlamaGguf {

    /** Seed of the model that {@link #ensure(Path)} writes. */
    public static final long DEFAULT_SEED = 20240723L;

    /** Bump whenever the bytes this class writes change for the same inputs, so stale files get rewritten. */
    private static final int FORMAT_REVISION = 1;


    private static final int BOS_ID = 128000;
    private static final int EOS_ID = 128009;

    private static final int CONTEXT_LENGTH = 4096;
    private static final int EMBEDDING = 64;
    private static final int BLOCKS = 2;
    private static final int FEED_FORWARD = 128;
    private static final int HEADS = 4;
    private static final int KV_HEADS = 2;
    private static final int HEAD_DIM = EMBEDDING / HEADS;
    private static final int KV_DIM = KV_HEADS * HEAD_DIM;

    private static final int ALIGNMENT = 32;
    private static final int KV_COUNT = 24;

    private static final int GGML_F32 = 0;
    private static final int GGML_F16 = 1;
    private static final int LLAMA_FTYPE_MOSTLY_F16 = 1;

    private static final int GGUF_UINT32 = 4;
    private static final int GGUF_INT32 = 5;
    private static final int GGUF_FLOAT32 = 6;
    private static final int GGUF_BOOL = 7;
    private static final int GGUF_STRING = 8;
    private static final int GGUF_ARRAY = 9;

    private static final int TOKEN_NORMAL = 1;
    private static final int TOKEN_CONTROL = 3;
    private static final int TOKEN_USER_DEFINED = 4;

    // Uniform weight half-widths. The embedding is tied to the output, so if the blocks added little to the residual
    // stream every token would predict itself; blocks get larger weights so the context, not the last token, decides.
    private static final double EMBEDDING_SCALE = 0.05;
    private static final double BLOCK_SCALE = 0.5;

    private final OutputStream out;
    private long position;
    private int kvsWritten;

    private TinyLlamaGguf(OutputStream out) {
        this.out = out;
    }

    /** Writes the model to {@code target} (atomically: temp file + move) unless a file with the same content version already exists there; returns target. */
    public static Path ensure(Path target) throws IOException {
        Inputs inputs = Inputs.load();
        String version = contentVersion(DEFAULT_SEED, inputs);
        if (hasPrefix(target, headerPrefix(version))) {
            return target;
        }
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, target.getFileName() + ".", ".part");
        try {
            try (OutputStream file = Files.newOutputStream(temp)) {
                write(file, DEFAULT_SEED, inputs, version);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        return target;
    }

    /** Writes the model bytes to out. Same seed gives byte-identical output. */
    static void write(OutputStream out, long seed) throws IOException {
        Inputs inputs = Inputs.load();
        write(out, seed, inputs, contentVersion(seed, inputs));
    }

    private static void write(OutputStream out, long seed, Inputs inputs, String version) throws IOException {
        Vocabulary vocab = Vocabulary.parse(inputs.tokenizerJson());
        BufferedOutputStream buffered = new BufferedOutputStream(out, 1 << 16);
        TinyLlamaGguf gguf = new TinyLlamaGguf(buffered);
        List<Tensor> tensors = tensors(vocab.tokens().length);

        gguf.header(version);
        gguf.kv("general.name", "evalgate tiny llama 3.1 (random weights)");
        gguf.kvUint32("general.file_type", LLAMA_FTYPE_MOSTLY_F16);
        gguf.kvUint32("general.alignment", ALIGNMENT);
        gguf.kvUint32("llama.vocab_size", vocab.tokens().length);
        gguf.kvUint32("llama.context_length", CONTEXT_LENGTH);
        gguf.kvUint32("llama.embedding_length", EMBEDDING);
        gguf.kvUint32("llama.block_count", BLOCKS);
        gguf.kvUint32("llama.feed_forward_length", FEED_FORWARD);
        gguf.kvUint32("llama.attention.head_count", HEADS);
        gguf.kvUint32("llama.attention.head_count_kv", KV_HEADS);
        gguf.kvUint32("llama.rope.dimension_count", HEAD_DIM);
        gguf.kvFloat32("llama.rope.freq_base", 500000.0f);
        gguf.kvFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        gguf.kv("tokenizer.ggml.model", "gpt2");
        gguf.kv("tokenizer.ggml.pre", "llama-bpe");
        gguf.kvStrings("tokenizer.ggml.tokens", vocab.tokens());
        gguf.kvInt32s("tokenizer.ggml.token_type", vocab.types());
        gguf.kvStrings("tokenizer.ggml.merges", vocab.merges());
        gguf.kvUint32("tokenizer.ggml.bos_token_id", BOS_ID);
        gguf.kvUint32("tokenizer.ggml.eos_token_id", EOS_ID);
        gguf.kvBool("tokenizer.ggml.add_bos_token", true);
        gguf.kv("tokenizer.chat_template", inputs.chatTemplate());
        if (gguf.kvsWritten != KV_COUNT) {
            throw new IllegalStateException("wrote " + gguf.kvsWritten + " metadata entries, header says " + KV_COUNT);
        }

        long offset = 0;
        for (Tensor tensor : tensors) {
            offset = align(offset);
            gguf.string(tensor.name());
            gguf.uint32(tensor.ne().length);
            for (long n : tensor.ne()) {
                gguf.uint64(n);
            }
            gguf.uint32(tensor.type());
            gguf.uint64(offset);
            offset += tensor.bytes();
        }

        // One generator over all tensors in file order keeps the whole file a function of the seed alone.
        SplittableRandom random = new SplittableRandom(seed);
        for (Tensor tensor : tensors) {
            gguf.pad();
            gguf.tensorData(tensor, random);
        }
        buffered.flush();
    }

    private static List<Tensor> tensors(int vocabSize) {
        List<Tensor> tensors = new ArrayList<>();
        // No output.weight: llama.cpp ties the output projection to token_embd, which halves the file.
        tensors.add(Tensor.weight("token_embd.weight", EMBEDDING_SCALE, EMBEDDING, vocabSize));
        tensors.add(Tensor.norm("output_norm.weight"));
        for (int b = 0; b < BLOCKS; b++) {
            String p = "blk." + b + ".";
            tensors.add(Tensor.norm(p + "attn_norm.weight"));
            tensors.add(Tensor.weight(p + "attn_q.weight", BLOCK_SCALE, EMBEDDING, EMBEDDING));
            tensors.add(Tensor.weight(p + "attn_k.weight", BLOCK_SCALE, EMBEDDING, KV_DIM));
            tensors.add(Tensor.weight(p + "attn_v.weight", BLOCK_SCALE, EMBEDDING, KV_DIM));
            tensors.add(Tensor.weight(p + "attn_output.weight", BLOCK_SCALE, EMBEDDING, EMBEDDING));
            tensors.add(Tensor.norm(p + "ffn_norm.weight"));
            tensors.add(Tensor.weight(p + "ffn_gate.weight", BLOCK_SCALE, EMBEDDING, FEED_FORWARD));
            tensors.add(Tensor.weight(p + "ffn_up.weight", BLOCK_SCALE, EMBEDDING, FEED_FORWARD));
            tensors.add(Tensor.weight(p + "ffn_down.weight", BLOCK_SCALE, FEED_FORWARD, EMBEDDING));
        }
        return tensors;
    }

    /** Identifies the bytes {@link #write} produces, so {@link #ensure} can tell a current file from a stale one. */
    private static String contentVersion(long seed, Inputs inputs) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        sha.update(inputs.tokenizerJson());
        sha.update((byte) 0);
        sha.update(inputs.chatTemplate().getBytes(StandardCharsets.UTF_8));
        String inputHash = HexFormat.of().formatHex(sha.digest(), 0, 8);
        return "r" + FORMAT_REVISION + "-seed" + seed + "-" + inputHash;
    }

    /** The first bytes of the file: fixed header plus the entry that carries the content version. */
    private static byte[] headerPrefix(String version) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new TinyLlamaGguf(bytes).header(version);
        return bytes.toByteArray();
    }

    private static boolean hasPrefix(Path file, byte[] prefix) throws IOException {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(prefix.length), prefix);
        }
    }

    private void header(String version) throws IOException {
        bytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        uint32(3);
        uint64(BLOCKS * 9L + 2);
        uint64(KV_COUNT);
        kv("general.architecture", "llama");
        kv("general.version", version);
    }

    private void tensorData(Tensor tensor, SplittableRandom random) throws IOException {
        int rowLength = (int) tensor.ne()[0];
        long rows = tensor.bytes() / tensor.elementSize() / rowLength;
        byte[] row = new byte[rowLength * tensor.elementSize()];
        for (long r = 0; r < rows; r++) {
            if (tensor.type() == GGML_F32) {
                // Norm weights: all ones, so RMS norm only normalises.
                for (int i = 0; i < rowLength; i++) {
                    putLe(row, i * 4, Float.floatToIntBits(1.0f), 4);
                }
            } else {
                for (int i = 0; i < rowLength; i++) {
                    double value = tensor.scale() * (2 * random.nextDouble() - 1);
                    putLe(row, i * 2, toHalf((float) value), 2);
                }
            }
            bytes(row);
        }
    }

    private void kv(String key, String value) throws IOException {
        key(key, GGUF_STRING);
        string(value);
    }

    private void kvUint32(String key, int value) throws IOException {
        key(key, GGUF_UINT32);
        uint32(value);
    }

    private void kvFloat32(String key, float value) throws IOException {
        key(key, GGUF_FLOAT32);
        uint32(Float.floatToIntBits(value));
    }

    private void kvBool(String key, boolean value) throws IOException {
        key(key, GGUF_BOOL);
        bytes(new byte[] {(byte) (value ? 1 : 0)});
    }

    private void kvStrings(String key, String[] values) throws IOException {
        key(key, GGUF_ARRAY);
        uint32(GGUF_STRING);
        uint64(values.length);
        for (String value : values) {
            string(value);
        }
    }

    private void kvInt32s(String key, int[] values) throws IOException {
        key(key, GGUF_ARRAY);
        uint32(GGUF_INT32);
        uint64(values.length);
        for (int value : values) {
            uint32(value);
        }
    }

    private void key(String key, int valueType) throws IOException {
        string(key);
        uint32(valueType);
        kvsWritten++;
    }

    private void string(String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        uint64(utf8.length);
        bytes(utf8);
    }

    private void uint32(int value) throws IOException {
        byte[] b = new byte[4];
        putLe(b, 0, value, 4);
        bytes(b);
    }

    private void uint64(long value) throws IOException {
        byte[] b = new byte[8];
        putLe(b, 0, value, 8);
        bytes(b);
    }

    private void pad() throws IOException {
        bytes(new byte[(int) (align(position) - position)]);
    }

    private void bytes(byte[] b) throws IOException {
        out.write(b);
        position += b.length;
    }

    private static void putLe(byte[] target, int at, long value, int width) {
        for (int i = 0; i < width; i++) {
            target[at + i] = (byte) (value >>> (8 * i));
        }
    }

    private static long align(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** IEEE 754 binary16 bits of {@code f}, rounded to nearest even (Java 17 has no Float.floatToFloat16). */
    static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xff;
        int mantissa = bits & 0x7fffff;
        if (exponent == 0xff) {
            return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 : 0));
        }
        int halfExponent = exponent - 127 + 15;
        if (halfExponent >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        int shift;
        int half;
        int significand;
        if (halfExponent > 0) {
            significand = mantissa;
            shift = 13;
            half = (halfExponent << 10) | (mantissa >>> shift);
        } else {
            shift = 14 - halfExponent;
            if (shift > 24) {
                return (short) sign;
            }
            significand = mantissa | 0x800000;
            half = significand >>> shift;
        }
        int roundBit = 1 << (shift - 1);
        int rest = significand & ((roundBit << 1) - 1);
        // A carry out of the mantissa correctly bumps the exponent (and reaches infinity at the top).
        if (rest > roundBit || (rest == roundBit && (half & 1) != 0)) {
            half++;
        }
        return (short) (sign | half);
    }

    private record Tensor(String name, int type, double scale, long... ne) {

        static Tensor weight(String name, double scale, long nIn, long nOut) {
            return new Tensor(name, GGML_F16, scale, nIn, nOut);
        }

        static Tensor norm(String name) {
            return new Tensor(name, GGML_F32, 0, EMBEDDING);
        }

        int elementSize() {
            return type == GGML_F32 ? 4 : 2;
        }

        long bytes() {
            long elements = 1;
            for (long n : ne) {
                elements *= n;
            }
            return elements * elementSize();
        }
    }

    private record Inputs(byte[] tokenizerJson, String chatTemplate) {

        static Inputs load() throws IOException {
            return new Inputs(
                    Llama31TokenizerFiles.resource(Llama31TokenizerFiles.TOKENIZER_RESOURCE),
                    new String(Llama31TokenizerFiles.resource(Llama31TokenizerFiles.CHAT_TEMPLATE_RESOURCE),
                            StandardCharsets.UTF_8));
        }
    }

    private record Vocabulary(String[] tokens, int[] types, String[] merges) {

        static Vocabulary parse(byte[] tokenizerJson) throws IOException {
            JsonNode root = new ObjectMapper().readTree(tokenizerJson);
            JsonNode model = root.path("model");
            JsonNode vocab = model.path("vocab");
            JsonNode added = root.path("added_tokens");
            String[] tokens = new String[vocab.size() + added.size()];
            int[] types = new int[tokens.length];
            for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
                put(tokens, types, entry.getValue().asInt(), entry.getKey(), TOKEN_NORMAL);
            }
            for (JsonNode token : added) {
                int id = token.path("id").asInt();
                String text = Llama31TokenizerFiles.LLAMA_3_1_RENAMES.getOrDefault(id, token.path("content").asText());
                put(tokens, types, id, text, token.path("special").asBoolean() ? TOKEN_CONTROL : TOKEN_USER_DEFINED);
            }
            for (int id = 0; id < tokens.length; id++) {
                if (tokens[id] == null) {
                    throw new IOException("tokenizer.json has no token with id " + id);
                }
            }
            JsonNode mergeNodes = model.path("merges");
            String[] merges = new String[mergeNodes.size()];
            for (int i = 0; i < merges.length; i++) {
                JsonNode merge = mergeNodes.get(i);
                // Older tokenizer.json files store "a b", newer ones ["a", "b"]; GGUF wants the former.
                merges[i] = merge.isArray() ? merge.get(0).asText() + " " + merge.get(1).asText() : merge.asText();
            }
            return new Vocabulary(tokens, types, merges);
        }

        private static void put(String[] tokens, int[] types, int id, String text, int type) throws IOException {
            if (id < 0 || id >= tokens.length || tokens[id] != null) {
                throw new IOException("tokenizer.json has a duplicate or out-of-range token id " + id);
            }
            tokens[id] = text;
            types[id] = type;
        }
    }
}
