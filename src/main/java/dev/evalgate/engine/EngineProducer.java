package dev.evalgate.engine;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.evalgate.EvalgateConfig;
import dev.evalgate.engine.llamacpp.LlamaCppEngine;
import io.quarkus.runtime.Startup;

/** Starts the configured engine when the gateway starts, so the first request does not pay for loading a model. */
public class EngineProducer {

    @Produces
    @Singleton
    @Startup
    InferenceEngine engine(EvalgateConfig config) {
        return switch (config.engine()) {
            case "llamacpp" -> LlamaCppEngine.start(config);
            default -> throw new EngineException("evalgate.engine=" + config.engine()
                    + " is not an engine this build has; set EVALGATE_ENGINE to llamacpp");
        };
    }

    void close(@Disposes InferenceEngine engine) {
        if (engine instanceof LlamaCppEngine llama) {
            llama.close();
        }
    }
}
