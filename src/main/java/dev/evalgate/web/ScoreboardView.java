package dev.evalgate.web;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.evalgate.scoring.runs.RunReport;

/**
 * What the scoreboard page shows of one run: the run's report exactly as {@code GET /v1/evals/runs/{run}} gives it,
 * plus what only a person watching needs: the partial total over the in-total tasks seen so far, per task how many
 * answers the extraction could not parse, and the run's latency and throughput.
 *
 * @param received the samples the run had received when this view was made
 * @param partialTotal the mean task score over the in-total tasks that have a score so far; null before the first
 * @param tasksInTotalSeen how many in-total tasks {@code partialTotal} is the mean of
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ScoreboardView(String run, long received, RunReport report, Double partialTotal, int tasksInTotalSeen,
        Map<String, Answers> answers, Distribution ttftMs, Distribution interTokenMs, List<Throughput> throughput) {

    /**
     * How a task's answers came out of the extraction.
     *
     * @param parses whether the task's extraction has a "could not parse" answer at all (MERA's regex filters submit
     *        {@code "-1"} when nothing matches; free-text and code tasks have no such answer)
     * @param unparsed answers that are that fallback
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Answers(boolean parses, int answers, int unparsed) {
    }

    /**
     * A latency distribution in milliseconds: counts per bucket (bucket {@code i} holds values up to
     * {@code upperMs[i]}, the last one everything above) and percentiles; percentiles are null with no values.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Distribution(List<Double> upperMs, List<Integer> counts, int values, Double p50, Double p90,
            Double p99) {
    }

    /**
     * Generated tokens per second over one stretch of the run, by when samples finished.
     *
     * @param startMillis the stretch's start, epoch milliseconds
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Throughput(long startMillis, long lengthMillis, int samples, double tokensPerSecond) {
    }
}
