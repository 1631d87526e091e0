package dev.evalgate.api;

import dev.evalgate.engine.InferenceEngine;

/**
 * The model this gateway serves under one name, and the engine behind it.
 *
 * @param created when the gateway started serving it (epoch seconds), as {@code /v1/models} reports
 */
public record ServedModel(String name, InferenceEngine engine, long created) {

    /** The longest prompt + completion, in tokens. */
    public int maxModelLen() {
        return engine.capabilities().maxContextLength();
    }

    /** vLLM semantics: a missing or null model means the served one. */
    public void checkName(String requested) {
        if (requested != null && !requested.equals(name)) {
            throw ApiException.modelNotFound(requested);
        }
    }
}
