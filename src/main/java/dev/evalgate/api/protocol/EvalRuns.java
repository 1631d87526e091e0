package dev.evalgate.api.protocol;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.evalgate.scoring.runs.RequestSummary;

/** What {@code /v1/evals} answers besides a run's report: the runs list, a run's samples, a gold upload. */
public final class EvalRuns {

    private EvalRuns() {
    }

    /** A run's line in {@code GET /v1/evals/runs}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RunSummary(String run, int tasks, int samples, double totalScore) {
    }

    /**
     * One sample in {@code GET /v1/evals/runs/{run}/samples}.
     *
     * @param gold for admins only: left out for others, {@code null} for an admin when the document has no gold
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Sample(String task, String id, String docId, List<String> outputs, JsonNode answer, Double score,
            Double ttftMs, Double totalMs, String model, String engine, RequestSummary request,
            @JsonInclude(JsonInclude.Include.NON_NULL) Optional<JsonNode> gold) {
    }

    /** The answer to {@code POST /v1/evals/gold/{task}}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record GoldUpload(String task, int rows, int goldAvailable) {
    }
}
