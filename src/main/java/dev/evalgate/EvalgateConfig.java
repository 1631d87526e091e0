package dev.evalgate;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;

import dev.evalgate.engine.upstream.UpstreamEngine;
import dev.evalgate.prompt.SystemPromptPolicy;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.runtime.configuration.MemorySize;
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
        /** A pool of OpenAI-compatible inference servers (vLLM, trtllm-serve, another evalgate). */
        UPSTREAM("upstream"),
        /** TensorRT-LLM 1.2.1's C++ Executor over JNI, on GPUs. */
        TRTLLM("trtllm");

        private final String configName;

        EngineKind(String configName) {
            this.configName = configName;
        }

        /** The name {@code evalgate.engine} takes for it. */
        public String configName() {
            return configName;
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

    Limits limits();

    /** Bounds on what one request may ask for; past one, a 400 naming the field and the setting. */
    interface Limits {
        /** The largest request body of the completion and tokenizer endpoints (413 past it). */
        @WithDefault("4M")
        MemorySize maxBodySize();

        /** The most messages in a chat request. */
        @WithDefault("1024")
        int maxMessages();

        /** The most characters of text in a request's messages or prompts, all together. */
        @WithDefault("2000000")
        int maxPromptChars();

        /** The most prompts in one {@code /v1/completions} request. */
        @WithDefault("256")
        int maxPrompts();

        /** The most choices ({@code n}) per prompt. */
        @WithDefault("16")
        int maxN();

        /** The most stop strings in a request. */
        @WithDefault("64")
        int maxStops();

        /** The most characters of all stop strings together. */
        @WithDefault("4096")
        int maxStopChars();

        /** The largest {@code max_tokens} (the context length bounds it too). */
        @WithDefault("16384")
        int maxTokens();

        /** The most alternatives per position a request may ask for ({@code top_logprobs}, {@code logprobs}). */
        @WithDefault("20")
        int maxLogprobs();

        /** The most {@code metadata} entries. */
        @WithDefault("16")
        int maxMetadataEntries();

        /** The longest {@code metadata} key or value and {@code X-Eval-*} header (run, task and document ids). */
        @WithDefault("512")
        int maxIdChars();
    }

    Admission admission();

    /** Admission control: sequences in flight, then a bounded queue, then 429 with Retry-After. */
    interface Admission {
        /** Sequences in flight at once; without it, the engine's batch capacity (llama.cpp: its slots; else no limit). */
        OptionalInt maxRunning();

        /** Requests that may wait for room; past it, 429 at once. */
        @WithDefault("1024")
        int maxWaiting();

        /** Longest a request waits for room before a 429 (lm-evaluation-harness waits 300 s per request). */
        @WithDefault("300s")
        Duration maxWait();

        /** Whether requests without a benchmark tag (people) wait ahead of tagged benchmark traffic. */
        @WithDefault("true")
        boolean interactiveFirst();
    }

    Shutdown shutdown();

    /** The shutdown budget (SIGTERM): drain, then flush; set Kubernetes' terminationGracePeriodSeconds above the sum. */
    interface Shutdown {
        /** How long admitted requests may run on after SIGTERM; those still running are then ended with an error. */
        @WithDefault("15s")
        Duration drainTimeout();

        /** How long scoring, then the store, each have to finish what they hold. */
        @WithDefault("5s")
        Duration flushTimeout();
    }

    Metrics metrics();

    /** Live scores on {@code /q/metrics}, with their cardinality bounded. */
    interface Metrics {
        /** The most runs whose scores are shown at once: the most recently active ones. */
        @WithDefault("10")
        int liveRuns();

        /** A run with no new sample for this long ages out of the live scores. */
        @WithDefault("30m")
        Duration liveRunIdle();

        /** How often the live scores are read from the runs. */
        @WithDefault("10s")
        Duration liveRefresh();
    }

    Gold gold();

    /** Gold labels for live scoring. */
    interface Gold {
        /** A folder of MERA dataset files, {@code <task>.jsonl} or {@code <task>.json}; gold can also be uploaded. */
        Optional<Path> dir();
    }

    Sandbox sandbox();

    /** The sandbox each code-task sample runs in (docs/sandbox.md). */
    interface Sandbox {
        /**
         * Memory one sample's sandbox may hold: its cgroup's limit (all its processes and its /tmp, no swap), and
         * each of its processes' address space.
         */
        @WithDefault("512M")
        MemorySize memoryLimit();

        /** The cgroup under which each sample's sandbox gets one of its own, as /proc/self/cgroup names it; default: the gateway's own. */
        Optional<String> cgroup();

        /** Run code samples where no per-run cgroup can be made, bounded by rlimits alone; otherwise they are not run, and the log says why. */
        @WithDefault("false")
        boolean allowWithoutCgroup();
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

    /** Who may use the API and the admin endpoints. */
    interface Auth {
        /** Bearer token for the admin endpoints (gold upload, gold in sample listings, every run). */
        Optional<String> adminKey();

        /** Client API keys, comma-separated: with any, {@code /v1} needs one, and each key owns the runs it creates. */
        Optional<List<String>> clientKeys();

        /** A file of client keys, one per line (a mounted Kubernetes Secret), added to {@code client-keys}. */
        Optional<Path> clientKeysFile();

        /** Whether clients on the loopback address are admins without the admin key (never by default). */
        @WithDefault("false")
        boolean loopbackAdmin();

        /** Host header values admin requests may carry besides this machine's own names and addresses. */
        Optional<List<String>> adminHosts();
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

    @WithName("engine.upstream")
    Upstream upstream();

    /** A pool of OpenAI-compatible inference servers in front of which evalgate keeps the prompt, stops and scoring. */
    interface Upstream {
        /** The servers' base URLs, comma-separated (e.g. {@code http://vllm-0:8000,http://vllm-1:8000}). */
        Optional<List<URI>> urls();

        /** Bearer token the upstreams want; none by default. */
        Optional<String> apiKey();

        /** The upstreams' model name; without it, what their {@code /v1/models} lists. */
        Optional<String> model();

        /** {@code prompt}: evalgate renders and tokenizes and sends token ids; {@code chat}: it forwards chat requests. */
        @WithDefault("prompt")
        UpstreamEngine.Mode mode();

        /** Longest wait for a TCP connection to an upstream. */
        @WithDefault("5s")
        Duration connectTimeout();

        /** Longest wait from sending a request to its first streamed chunk; past it, another upstream is tried. */
        @WithDefault("120s")
        Duration firstTokenTimeout();

        /** Longest silence between two chunks of a stream; past it, the stream ends with an error. */
        @WithDefault("30s")
        Duration idleTimeout();

        /** How often every upstream's {@code /health} is asked; a failed upstream is taken back when it answers. */
        @WithDefault("2s")
        Duration healthCheckInterval();

        /** The model's context length; without it, the {@code max_model_len} the upstreams report (4096 until then). */
        OptionalInt contextLength();

        /** Most connections kept open to each upstream (requests in flight to one upstream). */
        @WithDefault("512")
        int maxConnections();
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

        /** CPU threads for decoding; 0: the JVM's CPUs less one for the gateway, at most one per physical core. */
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
