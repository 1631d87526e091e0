package dev.evalgate;

import java.nio.file.Path;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Every evalgate setting; the README's configuration table is checked against this interface. */
@ConfigMapping(prefix = "evalgate")
public interface EvalgateConfig {

    /** Where evalgate writes everything at run time: the generated default model, caches, journals. */
    @WithDefault("${user.home}/.evalgate")
    Path dataDir();

    /** Which engine serves requests: {@code llamacpp} (embedded default). */
    @WithDefault("llamacpp")
    String engine();

    /** Model name clients use; defaults to the engine's own name for its model. */
    Optional<String> servedModelName();

    @WithName("engine.llamacpp")
    LlamaCpp llamacpp();

    /** The embedded llama.cpp engine. */
    interface LlamaCpp {
        /** A GGUF file to serve; without it evalgate generates a tiny deterministic Llama 3.1-vocabulary model in the data dir. */
        Optional<Path> model();

        /** Sequences decoded together (llama.cpp slots); also the engine's concurrency limit. */
        @WithDefault("4")
        int parallel();

        /** Context length per sequence, in tokens. */
        @WithDefault("4096")
        int contextLength();

        /** CPU threads for decoding; 0 means all cores. */
        @WithDefault("0")
        int threads();
    }
}
