package dev.evalgate.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What an engine is doing, as {@code GET /v1/engine} shows it.
 *
 * @param activeSequences sequences it is generating now
 * @param details what is particular to the engine (an upstream pool's members), or null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record EngineStatus(String engine, String model, boolean healthy, int activeSequences,
        @JsonInclude(JsonInclude.Include.NON_NULL) Object details) {
}
