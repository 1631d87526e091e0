package dev.evalgate;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.evalgate.prompt.SystemPromptPolicy;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Every evalgate setting; the README's configuration table is checked against this interface. */
@ConfigMapping(prefix = "evalgate")
public interface EvalgateConfig {

    /** Where evalgate writes everything at run time: the generated default model, caches, journals. */
    @WithDefault("${user.home}/.evalgate")
    Path dataDir();

    /** Which engine serves requests: {@code evalgate.engine}, as written. */
    @WithName("engine")
    @WithDefault("llamacpp")
    String engineName();

    /** Which engine serves requests; an unknown name stops startup with one line that lists the valid ones. */
    default EngineKind engine() {
        return EngineKind.named(engineName());
    }

    /** The engines this build has, under the names {@code evalgate.engine} takes. */
    enum EngineKind {
        /** llama.cpp over JNI, embedded: the default. */
        LLAMACPP("llamacpp"),
        /** No model: a deterministic token stream at a set rate, for measuring the gateway itself. */
        SYNTHETIC("synthetic"),
        /** TensorRT-LLM 1.2.1's C++ Executor over JNI, on GPUs. */
        TRTLLM("trtllm");

        private final String configName;

        EngineKind(String configName) {
            this.configName = configName;
        }

        /**
         * The engine of that name. An unknown name is a {@link ConfigurationException}, which Quarkus prints as its
         * message alone (a conversion error in the mapping itself would come wrapped in two lines of SmallRye text).
         */
        static EngineKind named(String name) {
            for (EngineKind kind : values()) {
                if (kind.configName.equals(name.strip())) {
                    return kind;
                }
            }
            throw new ConfigurationException("evalgate.engine=" + name + " is not an engine of this build; valid "
                    + "engines: " + Arrays.stream(values()).map(k -> k.configName).collect(Collectors.joining(", ")));
        }
    }

    /** Model name clients use; defaults to the engine's own name for its model. */
    Optional<String> servedModelName();

    /** A Hugging Face tokenizer folder (tokenizer.json, tokenizer_config.json) for the served model. */
    Optional<Path> tokenizer();

    /** A Jinja chat template file that overrides the model's own. */
    Optional<Path> chatTemplate();

    SystemPrompt systemPrompt();

    /** The system prompt evalgate applies, visibly: every response says which one the model saw. */
    interface SystemPrompt {
        /** {@code if-absent}, {@code prepend}, {@code replace} or {@code off}. */
        @WithDefault("if-absent")
        SystemPromptPolicy.Mode mode();

        /** The default system prompt: MERA's, as in the reference Llama-3.1-70B-Instruct submission. */
        @WithDefault(SystemPromptPolicy.MERA_SYSTEM_PROMPT)
        String text();
    }

    Gold gold();

    /** Gold labels for live scoring. */
    interface Gold {
        /** A folder of MERA dataset files, {@code <task>.jsonl} or {@code <task>.json}; gold can also be uploaded. */
        Optional<Path> dir();
    }

    Store store();

    /**
     * Where runs and samples are kept: PostgreSQL when {@code quarkus.datasource.reactive.url} is set, else a journal
     * file in the data dir.
     */
    interface Store {
        /** Samples held in memory while PostgreSQL is unreachable; more than this spill to a journal in the data dir. */
        @WithDefault("10000")
        int bufferSize();

        /** Most samples written to PostgreSQL in one statement. */
        @WithDefault("500")
        int batchSize();
    }

    Auth auth();

    /** Who may use the admin endpoints. */
    interface Auth {
        /** Bearer token for the admin endpoints (gold upload, gold in sample listings); without it only loopback clients are admins. */
        Optional<String> adminKey();
    }

    @WithName("engine.synthetic")
    Synthetic synthetic();

    /** The model-free engine for benchmarks and load tests. */
    interface Synthetic {
        /** Tokens per second per stream; 0 means as fast as possible. */
        @WithDefault("0")
        double tokensPerSecond();

        /** Context length it reports, in tokens. */
        @WithDefault("4096")
        int contextLength();
    }

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

    @WithName("engine.trtllm")
    TrtLlm trtllm();

    /** TensorRT-LLM's Executor over JNI; the tokenizer is {@code evalgate.tokenizer}. */
    interface TrtLlm {
        /** The engine directory trtllm-build wrote (config.json, rank0.engine, ...). */
        Optional<Path> engineDir();

        /** The bridge library libevalgate_trtllm.so; without it, java.library.path is searched. */
        Optional<Path> library();

        /** Sequences the Executor batches together; default the engine's own max_batch_size. */
        Optional<Integer> maxBatchSize();

        /** Tokens per Executor iteration; default the engine's own max_num_tokens. */
        Optional<Integer> maxNumTokens();

        /** Share of the GPU memory left after loading the engine that the KV cache takes. */
        @WithDefault("0.9")
        double kvCacheFreeGpuMemoryFraction();

        /** Reuse the KV cache of a shared prompt prefix (the system prompt) across requests. */
        @WithDefault("true")
        boolean kvCacheBlockReuse();

        /** TensorRT-LLM's executorWorker, spawned per GPU for multi-GPU engines; default the one of the build. */
        Optional<Path> workerPath();
    }
}
