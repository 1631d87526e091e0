package dev.evalgate.api;

import java.util.Optional;

import dev.evalgate.engine.InferenceEngine;

/**
 * The model this gateway serves under one name, and the engine behind it.
 *
 * @param configuredName the name clients use, when configured ({@code evalgate.served-model-name}); otherwise the
 *        engine's name for its model, asked each time: an upstream pool learns it only when a member answers
 * @param created when the gateway started serving it (epoch seconds), as {@code /v1/models} reports
 */
public record ServedModel(Optional<String> configuredName, InferenceEngine engine, long created) {

    public ServedModel(String name, InferenceEngine engine, long created) {
        this(Optional.of(name), engine, created);
    }

    /** The name clients send as {@code model}. */
    public String name() {
        return configuredName.orElseGet(engine::modelName);
    }

    /** The longest prompt + completion, in tokens. */
    public int maxModelLen() {
        return engine.capabilities().maxContextLength();
    }

    /** vLLM semantics: a missing or null model means the served one. */
    public void checkName(String requested) {
        if (requested != null && !requested.equals(name())) {
            throw ApiException.modelNotFound(requested);
        }
    }
}
