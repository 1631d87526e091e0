package dev.evalgate;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.api.ChatCompletionService;
import dev.evalgate.api.CompletionService;
import dev.evalgate.api.RequestLimits;
import dev.evalgate.api.RunAccess;
import dev.evalgate.api.ServedModel;
import dev.evalgate.api.TokenizerService;
import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.InferenceEngine;
import dev.evalgate.engine.llamacpp.LlamaCppEngine;
import dev.evalgate.engine.synthetic.SyntheticEngine;
import dev.evalgate.engine.trtllm.TrtLlmEngine;
import dev.evalgate.engine.upstream.UpstreamEngine;
import dev.evalgate.ops.AccessControl;
import dev.evalgate.ops.Admission;
import dev.evalgate.ops.LiveScores;
import dev.evalgate.ops.Readiness;
import dev.evalgate.ops.ServingMetrics;
import dev.evalgate.prompt.PromptFormat;
import dev.evalgate.prompt.PromptRenderer;
import dev.evalgate.prompt.SystemPromptPolicy;
import dev.evalgate.scoring.mera.CodeRunner;
import dev.evalgate.scoring.mera.TaskCatalogue;
import dev.evalgate.scoring.runs.GoldStore;
import dev.evalgate.scoring.runs.OnlineScorer;
import dev.evalgate.scoring.runs.SampleScorer;
import dev.evalgate.scoring.sandbox.PythonCodeSandbox;
import dev.evalgate.store.JournalSampleStore;
import dev.evalgate.store.PostgresSampleStore;
import dev.evalgate.store.RunReports;
import dev.evalgate.store.SampleStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.vertx.core.Vertx;

/**
 * The composition root: builds every part of the gateway from {@link EvalgateConfig}, and closes them in order at
 * shutdown. The only class that reads configuration; everything it builds takes plain values.
 */
public class GatewayWiring {

    private static final Logger LOG = Logger.getLogger(GatewayWiring.class);

    /** Started with the gateway, so the first request does not pay for loading a model. */
    @Produces
    @Singleton
    @Startup
    InferenceEngine engine(EvalgateConfig config, Vertx vertx, MeterRegistry registry) {
        return switch (config.engine()) {
            case LLAMACPP -> LlamaCppEngine.start(new LlamaCppEngine.Settings(config.llamacpp().model(),
                    config.llamacpp().parallel(), config.llamacpp().contextLength(), config.llamacpp().threads()),
                    config.dataDir());
            case SYNTHETIC -> SyntheticEngine.overLlama31Vocabulary(config.dataDir(),
                    config.synthetic().tokensPerSecond(), config.synthetic().contextLength());
            case UPSTREAM -> upstream(config, vertx, registry);
            case TRTLLM -> TrtLlmEngine.start(new TrtLlmEngine.Settings(config.trtllm().engineDir(), config.tokenizer(),
                    config.trtllm().library(), config.trtllm().maxBatchSize(), config.trtllm().maxNumTokens(),
                    config.trtllm().kvCacheFreeGpuMemoryFraction(), config.trtllm().kvCacheBlockReuse(),
                    config.trtllm().workerPath()), config.dataDir());
        };
    }

    private static UpstreamEngine upstream(EvalgateConfig config, Vertx vertx, MeterRegistry registry) {
        EvalgateConfig.Upstream u = config.upstream();
        if (u.mode() == UpstreamEngine.Mode.PROMPT && config.tokenizer().isEmpty()) {
            throw new ConfigurationException("evalgate.engine=upstream sends prompts as token ids, so it needs the "
                    + "served model's tokenizer: set EVALGATE_TOKENIZER to the model's Hugging Face tokenizer folder "
                    + "(tokenizer.json, tokenizer_config.json), or EVALGATE_ENGINE_UPSTREAM_MODE=chat to forward chat "
                    + "requests as they are");
        }
        return UpstreamEngine.start(new UpstreamEngine.Settings(u.urls().orElse(List.of()), u.apiKey(), u.model(),
                u.mode(), u.connectTimeout(), u.firstTokenTimeout(), u.idleTimeout(), u.healthCheckInterval(),
                u.contextLength(), u.maxConnections()), vertx, registry);
    }

    @Produces
    @Singleton
    ServedModel servedModel(EvalgateConfig config, InferenceEngine engine) {
        return new ServedModel(config.servedModelName(), engine,
                System.currentTimeMillis() / 1000);
    }

    @Produces
    @Singleton
    PromptFormat promptFormat(EvalgateConfig config, InferenceEngine engine) {
        try {
            return PromptFormat.load(config.tokenizer(), config.chatTemplate(), config.dataDir().resolve("djl"), engine);
        } catch (IOException e) {
            throw new EngineException("could not load the model's tokenizer or chat template: " + e.getMessage(), e);
        }
    }

    @Produces
    @Singleton
    PromptRenderer promptRenderer(PromptFormat format, EvalgateConfig config) {
        return new PromptRenderer(format,
                new SystemPromptPolicy(config.systemPrompt().mode(), config.systemPrompt().text()));
    }

    @Produces
    @Singleton
    Admission admission(EvalgateConfig config, InferenceEngine engine) {
        EvalgateConfig.Admission a = config.admission();
        int maxRunning = a.maxRunning().orElse(engine.maxConcurrentSequences());
        LOG.infof("admission: %s sequences at once, %d requests waiting at most, for %s at most",
                maxRunning <= 0 ? "any number of" : String.valueOf(maxRunning), a.maxWaiting(), a.maxWait());
        return new Admission(maxRunning, a.maxWaiting(), a.maxWait(), a.interactiveFirst());
    }

    @Produces
    @Singleton
    ServingMetrics metrics(MeterRegistry registry, ServedModel model, Admission admission) {
        return new ServingMetrics(registry, model.name(), admission);
    }

    @Produces
    @Singleton
    RequestLimits limits(EvalgateConfig config) {
        EvalgateConfig.Limits l = config.limits();
        return new RequestLimits(l.maxBodySize().asLongValue(), l.maxMessages(), l.maxPromptChars(), l.maxPrompts(),
                l.maxN(), l.maxStops(), l.maxStopChars(), l.maxTokens(), l.maxLogprobs(), l.maxMetadataEntries(),
                l.maxIdChars());
    }

    @Produces
    @Singleton
    ChatCompletionService chatCompletions(ServedModel model, PromptRenderer renderer, ObjectMapper mapper,
            OnlineScorer scorer, ServingMetrics timings, RequestLimits limits, RunAccess runs, Tracer tracer) {
        return new ChatCompletionService(model, renderer, mapper, scorer::submit, timings, limits, runs, tracer);
    }

    @Produces
    @Singleton
    CompletionService completions(ServedModel model, PromptFormat format, ObjectMapper mapper, OnlineScorer scorer,
            ServingMetrics timings, RequestLimits limits, RunAccess runs, Tracer tracer) {
        return new CompletionService(model, format.tokenizer(), mapper, scorer::submit, timings, limits, runs, tracer);
    }

    @Produces
    @Singleton
    TokenizerService tokenizer(ServedModel model, PromptRenderer renderer, ObjectMapper mapper, RequestLimits limits) {
        return new TokenizerService(model, renderer, mapper, limits);
    }

    @Produces
    @Singleton
    TaskCatalogue catalogue() {
        return TaskCatalogue.mera();
    }

    @Produces
    @Singleton
    GoldStore gold(EvalgateConfig config, TaskCatalogue catalogue) throws IOException {
        if (config.gold().dir().isEmpty()) {
            return new GoldStore(catalogue);
        }
        GoldStore gold = GoldStore.loadReporting(catalogue, config.gold().dir().get());
        LOG.infof("gold loaded from %s", config.gold().dir().get());
        gold.problems().forEach((task, why) -> LOG.errorf("the gold of %s could not be read, so it is not scored: %s",
                task, why));
        return gold;
    }

    @Produces
    @Singleton
    OnlineScorer onlineScorer(EvalgateConfig config, TaskCatalogue catalogue, GoldStore gold, SampleStore store,
            InferenceEngine engine, Tracer tracer) {
        EvalgateConfig.Sandbox sandbox = config.sandbox();
        PythonCodeSandbox.Settings settings = new PythonCodeSandbox.Settings(sandbox.memoryLimit().asLongValue(),
                sandbox.cgroup(), sandbox.allowWithoutCgroup());
        CodeRunner code = CodeRunner.lazy(() -> new PythonCodeSandbox(settings));
        return new OnlineScorer(new SampleScorer(catalogue, gold, code, engine.name()), store, 2, 100_000,
                config.shutdown().flushTimeout().toMillis(), tracer);
    }

    /** PostgreSQL when {@code quarkus.datasource.reactive.url} is set, else the journal in the data dir. */
    @Produces
    @Singleton
    SampleStore store(EvalgateConfig config, GoldStore gold,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") Optional<String> url) throws IOException {
        if (url.isEmpty()) {
            return new JournalSampleStore(config.dataDir().resolve("runs"), gold);
        }
        // the pod name on Kubernetes, and the process, so that two gateways on one host differ too
        String instance = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("evalgate") + "/"
                + ProcessHandle.current().pid();
        LOG.infof("runs are kept in PostgreSQL at %s (instance %s)", url.get().replaceAll("//[^@/]*@", "//"),
                instance);
        return new PostgresSampleStore(config.dataDir().resolve("spool"), gold, config.store().bufferSize(),
                config.store().batchSize(), instance, config.shutdown().flushTimeout());
    }

    @Produces
    @Singleton
    AccessControl accessControl(EvalgateConfig config) throws IOException {
        EvalgateConfig.Auth auth = config.auth();
        Set<String> keys = new HashSet<>(auth.clientKeys().orElse(List.of()));
        if (auth.clientKeysFile().isPresent()) {
            // one key per line, as a mounted Kubernetes Secret holds them; blank lines and # comments skipped
            Files.readAllLines(auth.clientKeysFile().get()).stream().map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#")).forEach(keys::add);
        }
        if (!keys.isEmpty()) {
            LOG.infof("%d client keys: /v1 needs one of them", keys.size());
        }
        return new AccessControl(keys, auth.adminKey(), auth.loopbackAdmin(),
                new HashSet<>(auth.adminHosts().orElse(List.of())));
    }

    @Produces
    @Singleton
    @Startup
    LiveScores liveScores(MeterRegistry registry, RunReports reports, EvalgateConfig config) {
        EvalgateConfig.Metrics m = config.metrics();
        return new LiveScores(registry, reports, m.liveRuns(), m.liveRunIdle(), m.liveRefresh());
    }

    void close(@Disposes LiveScores scores) {
        scores.close();
    }

    @Produces
    @Singleton
    RunReports runReports(SampleStore store, GoldStore gold, TaskCatalogue catalogue) {
        return new RunReports(store, gold, catalogue);
    }

    @Produces
    @Singleton
    RunAccess runAccess(AccessControl access, SampleStore store) {
        return new RunAccess(access, store);
    }

    @Produces
    @Singleton
    Readiness readiness(InferenceEngine engine, Admission admission) {
        return new Readiness(engine, admission);
    }

    /** Warms the engine up with one real token once the gateway is up: readiness waits for it. */
    void warmUp(@Observes StartupEvent event, Readiness readiness, PromptFormat format) {
        readiness.warmUp(format.tokenizer().encode("Hello", true));
    }

    /**
     * Shutdown (SIGTERM), first part, while the HTTP server still serves (Quarkus' pre-shutdown phase,
     * {@code quarkus.shutdown.delay-enabled}): the gateway stops admitting (new requests 503, readiness false) and
     * lets admitted streams finish for up to the drain time, then ends the rest with an error event that reaches the
     * client before the server closes its connections.
     */
    void drain(@Observes ShutdownDelayInitiatedEvent event, Admission admission, EvalgateConfig config) {
        long t0 = System.nanoTime();
        int stopped = admission.drain(config.shutdown().drainTimeout());
        LOG.infof("drained in %d ms%s", (System.nanoTime() - t0) / 1_000_000,
                stopped == 0 ? "" : "; " + stopped + " requests still running were ended with an error event");
    }

    /**
     * Shutdown, second part, once the HTTP server has stopped: scoring finishes what is queued (the rest is stored
     * unscored), so every finished completion reaches the store; the store writes (or journals) what it holds; the
     * engine goes last, when the container disposes of it.
     */
    void shutdown(@Observes ShutdownEvent event, OnlineScorer scorer, SampleStore store, Readiness readiness) {
        scorer.close();
        store.close();
        readiness.close();
    }

    void close(@Disposes InferenceEngine engine) {
        engine.close();
    }
}
