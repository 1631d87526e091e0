package dev.evalgate.api;

import java.io.IOException;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.EvalgateConfig;
import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.InferenceEngine;
import dev.evalgate.ops.GatewayTimings;
import dev.evalgate.prompt.PromptFormat;
import dev.evalgate.prompt.PromptRenderer;
import dev.evalgate.prompt.SystemPromptPolicy;
import dev.evalgate.scoring.runs.OnlineScorer;
import io.micrometer.core.instrument.MeterRegistry;

/** Wires the served model, its prompt format and its serving classes from configuration. */
public class ServingConfiguration {

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
            return PromptFormat.load(config, engine);
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
    ChatCompletionService chatCompletions(ServedModel model, PromptRenderer renderer, ObjectMapper mapper,
            OnlineScorer scorer, MeterRegistry registry) {
        return new ChatCompletionService(model, renderer, mapper, scorer::submit, new GatewayTimings(registry));
    }

    @Produces
    @Singleton
    TokenizerService tokenizer(ServedModel model, PromptRenderer renderer, ObjectMapper mapper) {
        return new TokenizerService(model, renderer, mapper);
    }
}
