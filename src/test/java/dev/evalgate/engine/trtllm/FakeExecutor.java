package dev.evalgate.engine.trtllm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import dev.evalgate.engine.llamacpp.Llama31TokenizerFiles;

/**
 * Starts {@link TrtLlmEngine}s on the test library: the real JNI side of the bridge built by the default Maven build
 * with FakeExecutorBackend ({@code src/test/cpp}), a deterministic Executor double that echoes its prompt. The engine
 * directory holds only the {@code config.json} trtllm-build would write; the tokenizer is Llama 3.1's.
 */
final class FakeExecutor {

    static final Path WORK = Path.of("target", "trtllm-test");
    /** Llama 3.1's vocabulary size, as an engine's config.json says it. */
    static final int VOCAB = 128256;

    private FakeExecutor() {
    }

    /**
     * The test library, as the build wrote it; named by a property outside {@code evalgate.*}, where every name must be
     * a setting of EvalgateConfig.
     */
    static Path library() {
        return Path.of(System.getProperty("trtllm.test.library", "target/native-test/libevalgate_trtllm_fake.so"));
    }

    private static Path tokenizerDir;

    /** Llama 3.1's tokenizer files, written once for all tests. */
    static synchronized Path tokenizerDir() {
        if (tokenizerDir == null) {
            try {
                tokenizerDir = Llama31TokenizerFiles.ensure(WORK.resolve("tokenizer"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tokenizerDir;
    }

    /**
     * An engine directory whose config.json says what trtllm-build would for Llama 3.1 8B.
     *
     * @param gatherLogits built with --gather_all_token_logits
     */
    static Path engineDir(String name, boolean gatherLogits, int worldSize) {
        try {
            Path dir = Files.createDirectories(WORK.resolve("engines").resolve(name));
            Files.writeString(dir.resolve("config.json"), """
                    {"version": "1.2.1",
                     "pretrained_config": {"architecture": "LlamaForCausalLM", "dtype": "bfloat16", "vocab_size": %d,
                       "mapping": {"world_size": %d, "tp_size": %d, "pp_size": 1}},
                     "build_config": {"max_input_len": 8192, "max_seq_len": 8192, "max_batch_size": 256,
                       "max_num_tokens": 16384, "gather_context_logits": %s, "gather_generation_logits": %s}}
                    """.formatted(VOCAB, worldSize, worldSize, gatherLogits, gatherLogits));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TrtLlmEngine start(Map<String, String> fakeOptions) {
        return start(fakeOptions, false);
    }

    static TrtLlmEngine start(Map<String, String> fakeOptions, boolean gatherLogits) {
        return start(settings(engineDir(gatherLogits ? "logits" : "plain", gatherLogits, 1)), fakeOptions);
    }

    static TrtLlmEngine start(TrtLlmEngine.Settings settings, Map<String, String> fakeOptions) {
        return TrtLlmEngine.start(settings, WORK, new HashMap<>(fakeOptions));
    }

    static TrtLlmEngine.Settings settings(Path engineDir) {
        return new TrtLlmEngine.Settings(Optional.of(engineDir), Optional.of(tokenizerDir()), Optional.of(library()),
                Optional.empty(), Optional.empty(), 0.9, true, Optional.empty());
    }
}
