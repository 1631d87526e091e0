package dev.evalgate.engine.llamacpp;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class TinyLlamaGgufTest {

    private static final String CHAT_PROMPT = "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n";

    // What TinyLlamaGguf.ensure writes, by SHA-256 (computed by generating it). A change to the generator or to the
    // tokenizer files it reads shows here; if intended, bump FORMAT_REVISION and write the new hash down.
    private static final String DEFAULT_MODEL_SHA256 = "bc331f8e774e835cd33314197675e1ed9cca66258c5c3a9433642445d8bf9a1e";

    // Greedy decoding of CHAT_PROMPT by that model, 16 tokens (written down from a run; greedy is deterministic)
    private static final String GREEDY_TEXT = "rollers')]****************************BienCanvas\\Collection.requestFocus"
            + " pretext-login血ält podle focusосудThrown.bank";

    @TempDir
    static Path dir;

    static Path modelFile;
    static LlamaModel model;

    @BeforeAll
    static void writeAndLoad() throws IOException {
        // The native library is unpacked into this folder; java.io.tmpdir is shared and gets cleaned by others.
        Path nativeDir = Path.of("target", "llama-native").toAbsolutePath();
        Files.createDirectories(nativeDir);
        System.setProperty("de.kherud.llama.tmpdir", nativeDir.toString());

        modelFile = TinyLlamaGguf.ensure(dir.resolve("tiny-llama.gguf"));
        model = new LlamaModel(new ModelParameters().setModel(modelFile.toString()).setCtxSize(512));
    }

    @AfterAll
    static void unload() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void sameSeedGivesSameBytes() throws Exception {
        MessageDigest fresh = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), fresh)) {
            TinyLlamaGguf.write(out, TinyLlamaGguf.DEFAULT_SEED);
        }
        assertArrayEquals(sha256(modelFile), fresh.digest());
    }

    @Test
    void defaultModelBytesArePinned() throws Exception {
        assertEquals(DEFAULT_MODEL_SHA256, HexFormat.of().formatHex(sha256(modelFile)));
    }

    @Test
    void ensureKeepsCurrentFile() throws IOException {
        FileTime written = Files.getLastModifiedTime(modelFile);
        assertSame(modelFile, TinyLlamaGguf.ensure(modelFile));
        assertEquals(written, Files.getLastModifiedTime(modelFile));
    }

    @Test
    void tokenizesLikeHuggingFace() {
        // encode adds no BOS: the ids are exactly those of the HF tokenizer without special tokens.
        assertArrayEquals(new int[] {54745, 28089, 8341, 11, 115388, 0}, model.encode("Привет, мир!"));
    }

    @Test
    void knowsLlama31SpecialTokens() {
        assertArrayEquals(new int[] {128009}, model.encode("<|eot_id|>"));
        assertArrayEquals(new int[] {128008}, model.encode("<|eom_id|>"));
        assertArrayEquals(new int[] {128010}, model.encode("<|python_tag|>"));
        assertArrayEquals(new int[] {128004}, model.encode("<|finetune_right_pad_id|>"));
        assertArrayEquals(new int[] {128006, 78191, 128007}, model.encode("<|start_header_id|>assistant<|end_header_id|>"));
    }

    @Test
    void greedyGenerationIsRepeatable() {
        assertEquals(GREEDY_TEXT, greedy(CHAT_PROMPT));
        assertEquals(GREEDY_TEXT, greedy(CHAT_PROMPT));
    }

    @Test
    void halfPrecisionRoundsToNearestEven() {
        assertEquals(0x3c00, TinyLlamaGguf.toHalf(1.0f) & 0xffff);
        assertEquals(0xc000, TinyLlamaGguf.toHalf(-2.0f) & 0xffff);
        assertEquals(0x2e66, TinyLlamaGguf.toHalf(0.1f) & 0xffff);
        assertEquals(0x7bff, TinyLlamaGguf.toHalf(65504f) & 0xffff);
        assertEquals(0x7c00, TinyLlamaGguf.toHalf(65520f) & 0xffff);
        assertEquals(0x0001, TinyLlamaGguf.toHalf(5.9604645e-8f) & 0xffff);
        assertEquals(0x0000, TinyLlamaGguf.toHalf(2.9802322e-8f) & 0xffff);
        assertEquals(0x0400, TinyLlamaGguf.toHalf(6.1035156e-5f) & 0xffff);
    }

    private static String greedy(String prompt) {
        InferenceParameters params = new InferenceParameters(prompt).setTemperature(0).setNPredict(16);
        List<String> pieces = new ArrayList<>();
        for (LlamaOutput output : model.generate(params)) {
            pieces.add(output.text);
        }
        return String.join("", pieces);
    }

    private static byte[] sha256(Path file) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return sha.digest();
    }
}
