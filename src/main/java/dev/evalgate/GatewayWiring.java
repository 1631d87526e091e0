package dev.evalgate;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.api.ChatCompletionService;
import dev.evalgate.api.CompletionService;
import dev.evalgate.api.ServedModel;
import dev.evalgate.api.TokenizerService;
import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.InferenceEngine;
import dev.evalgate.engine.llamacpp.LlamaCppEngine;
import dev.evalgate.engine.synthetic.SyntheticEngine;
import dev.evalgate.engine.upstream.UpstreamEngine;
import dev.evalgate.ops.AdminAccess;
import dev.evalgate.ops.GatewayTimings;
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
import dev.evalgate.store.SampleStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
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
    InferenceEngine engine(EvalgateConfig config, Vertx vertx) {
        return switch (config.engine()) {
            case LLAMACPP -> LlamaCppEngine.start(new LlamaCppEngine.Settings(config.llamacpp().model(),
                    config.llamacpp().parallel(), config.llamacpp().contextLength(), config.llamacpp().threads()),
                    config.dataDir());
            case SYNTHETIC -> SyntheticEngine.overLlama31Vocabulary(config.dataDir(),
                    config.synthetic().tokensPerSecond(), config.synthetic().contextLength());
            case UPSTREAM -> upstream(config, vertx);
        };
    }

    private static UpstreamEngine upstream(EvalgateConfig config, Vertx vertx) {
        EvalgateConfig.Upstream u = config.upstream();
        if (u.mode() == UpstreamEngine.Mode.PROMPT && config.tokenizer().isEmpty()) {
            throw new ConfigurationException("evalgate.engine=upstream sends prompts as token ids, so it needs the "
                    + "served model's tokenizer: set EVALGATE_TOKENIZER to the model's Hugging Face tokenizer folder "
                    + "(tokenizer.json, tokenizer_config.json), or EVALGATE_ENGINE_UPSTREAM_MODE=chat to forward chat "
                    + "requests as they are");
        }
        return UpstreamEngine.start(new UpstreamEngine.Settings(u.urls().orElse(List.of()), u.apiKey(), u.model(),
                u.mode(), u.connectTimeout(), u.firstTokenTimeout(), u.idleTimeout(), u.healthCheckInterval(),
                u.contextLength(), u.maxConnections()), vertx);
    }

    @Produces
    @Singleton
    ServedModel servedModel(EvalgateConfig config, InferenceEngine engine) {
        return new ServedModel(config.servedModelName().orElse(engine.modelName()), engine,
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
    GatewayTimings timings(MeterRegistry registry) {
        return new GatewayTimings(registry);
    }

    @Produces
    @Singleton
    ChatCompletionService chatCompletions(ServedModel model, PromptRenderer renderer, ObjectMapper mapper,
            OnlineScorer scorer, GatewayTimings timings) {
        return new ChatCompletionService(model, renderer, mapper, scorer::submit, timings);
    }

    @Produces
    @Singleton
    CompletionService completions(ServedModel model, PromptFormat format, ObjectMapper mapper, OnlineScorer scorer,
            GatewayTimings timings) {
        return new CompletionService(model, format.tokenizer(), mapper, scorer::submit, timings);
    }

    @Produces
    @Singleton
    TokenizerService tokenizer(ServedModel model, PromptRenderer renderer, ObjectMapper mapper) {
        return new TokenizerService(model, renderer, mapper);
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
        GoldStore gold = GoldStore.load(catalogue, config.gold().dir().get());
        LOG.infof("gold loaded from %s", config.gold().dir().get());
        return gold;
    }

    @Produces
    @Singleton
    OnlineScorer onlineScorer(EvalgateConfig config, TaskCatalogue catalogue, GoldStore gold, SampleStore store,
            InferenceEngine engine) {
        EvalgateConfig.Sandbox sandbox = config.sandbox();
        PythonCodeSandbox.Settings settings = new PythonCodeSandbox.Settings(sandbox.memoryLimit().asLongValue(),
                sandbox.cgroup(), sandbox.allowWithoutCgroup());
        CodeRunner code = CodeRunner.lazy(() -> new PythonCodeSandbox(settings));
        return new OnlineScorer(new SampleScorer(catalogue, gold, code, engine.name()), store, 2, 100_000);
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
                config.store().batchSize(), instance);
    }

    @Produces
    @Singleton
    AdminAccess adminAccess(EvalgateConfig config) {
        return new AdminAccess(config.auth().adminKey());
    }

    /**
     * Shutdown order: scoring finishes what is queued first, so every finished completion reaches the store; then the
     * store writes (or journals) what it holds; the engine goes last, when the container disposes of it.
     */
    void shutdown(@Observes ShutdownEvent event, OnlineScorer scorer, SampleStore store) {
        scorer.close();
        store.close();
    }

    void close(@Disposes InferenceEngine engine) {
        engine.close();
    }
}
