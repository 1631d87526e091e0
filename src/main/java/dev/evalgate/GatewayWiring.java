package dev.evalgate;

import java.io.IOException;
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
import dev.evalgate.engine.trtllm.TrtLlmEngine;
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
    InferenceEngine engine(EvalgateConfig config) {
        return switch (config.engine()) {
            case LLAMACPP -> LlamaCppEngine.start(new LlamaCppEngine.Settings(config.llamacpp().model(),
                    config.llamacpp().parallel(), config.llamacpp().contextLength(), config.llamacpp().threads()),
                    config.dataDir());
            case SYNTHETIC -> SyntheticEngine.overLlama31Vocabulary(config.dataDir(),
                    config.synthetic().tokensPerSecond(), config.synthetic().contextLength());
            case TRTLLM -> TrtLlmEngine.start(new TrtLlmEngine.Settings(config.trtllm().engineDir(), config.tokenizer(),
                    config.trtllm().library(), config.trtllm().maxBatchSize(), config.trtllm().maxNumTokens(),
                    config.trtllm().kvCacheFreeGpuMemoryFraction(), config.trtllm().kvCacheBlockReuse(),
                    config.trtllm().workerPath()), config.dataDir());
        };
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
    OnlineScorer onlineScorer(TaskCatalogue catalogue, GoldStore gold, SampleStore store, InferenceEngine engine) {
        CodeRunner code = CodeRunner.lazy(PythonCodeSandbox::new);
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
