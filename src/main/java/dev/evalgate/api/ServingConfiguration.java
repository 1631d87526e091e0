package dev.evalgate.api;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.EvalgateConfig;
import dev.evalgate.engine.InferenceEngine;
import dev.evalgate.prompt.ChatTemplate;
import dev.evalgate.prompt.PromptRenderer;

/** Wires the served model and its serving classes from configuration. */
public class ServingConfiguration {

    @Produces
    @Singleton
    ServedModel servedModel(EvalgateConfig config, InferenceEngine engine) {
        return new ServedModel(config.servedModelName().orElse(engine.modelName()), engine,
                System.currentTimeMillis() / 1000);
    }

    @Produces
    @Singleton
    ChatCompletionService chatCompletions(ServedModel model, ObjectMapper mapper) {
        return new ChatCompletionService(model, new PromptRenderer(ChatTemplate.llama31Default(), model.engine()), mapper);
    }
}
