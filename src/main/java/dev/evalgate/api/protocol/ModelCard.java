package dev.evalgate.api.protocol;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** A served model, as {@code GET /v1/models} lists it in vLLM's form. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ModelCard(String id, String object, long created, String ownedBy, String root, String parent,
        int maxModelLen) {

    public static ModelCard of(String name, long created, int maxModelLen) {
        return new ModelCard(name, "model", created, "evalgate", name, null, maxModelLen);
    }
}
