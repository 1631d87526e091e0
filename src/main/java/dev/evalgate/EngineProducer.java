package dev.evalgate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.InferenceEngine;
import dev.evalgate.engine.ModelMetadata;
import dev.evalgate.engine.llamacpp.Llama31TokenizerFiles;
import dev.evalgate.engine.llamacpp.LlamaCppEngine;
import dev.evalgate.engine.synthetic.SyntheticEngine;
import dev.evalgate.prompt.HuggingFaceTokenizerFile;
import io.quarkus.runtime.Startup;

/** Starts the configured engine when the gateway starts, so the first request does not pay for loading a model. */
public class EngineProducer {

    /** What synthetic streams say, cycled: real Llama 3.1 vocabulary, Cyrillic and Latin, some multi-byte pieces. */
    static final String SYNTHETIC_TEXT = "Ответ: B. The quick brown fox jumps over the lazy dog; съешь же ещё этих "
            + "мягких французских булок, да выпей чаю. def add(a, b):\n    return a + b\n2 + 2 = 4. 日本語のテキスト 🙂\n";

    @Produces
    @Singleton
    @Startup
    InferenceEngine engine(EvalgateConfig config) {
        return switch (config.engine()) {
            case "llamacpp" -> LlamaCppEngine.start(config);
            case "synthetic" -> synthetic(config);
            default -> throw new EngineException("evalgate.engine=" + config.engine()
                    + " is not an engine this build has; set EVALGATE_ENGINE to llamacpp or synthetic");
        };
    }

    private static SyntheticEngine synthetic(EvalgateConfig config) {
        try {
            Path dir = Llama31TokenizerFiles.ensure(config.dataDir().resolve("models").resolve("llama-3.1-tokenizer"));
            HuggingFaceTokenizerFile tokenizer = HuggingFaceTokenizerFile.load(dir.resolve("tokenizer.json"),
                    Files.createDirectories(config.dataDir().resolve("djl")));
            ModelMetadata metadata = new ModelMetadata(Optional.of(dir), Optional.empty(), OptionalInt.of(128000),
                    OptionalInt.of(128009));
            return new SyntheticEngine(tokenizer.encode(SYNTHETIC_TEXT, false), t -> tokenizer.encode(t, false),
                    tokenizer::decode, config.synthetic().tokensPerSecond(), config.synthetic().contextLength(), metadata);
        } catch (IOException e) {
            throw new EngineException("could not start the synthetic engine: " + e.getMessage(), e);
        }
    }

    void close(@Disposes InferenceEngine engine) {
        if (engine instanceof LlamaCppEngine llama) {
            llama.close();
        } else if (engine instanceof SyntheticEngine synthetic) {
            synthetic.close();
        }
    }
}
