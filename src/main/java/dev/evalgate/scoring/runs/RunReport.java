package dev.evalgate.scoring.runs;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.evalgate.scoring.mera.GoldRow;
import dev.evalgate.scoring.mera.MeraTask;
import dev.evalgate.scoring.mera.ScoredAnswer;
import dev.evalgate.scoring.mera.TaskCatalogue;

/**
 * A run's scores as {@code GET /v1/evals/runs/{run}} and the offline {@code score} command print them: per task the
 * metrics under MERA's key names, the task score, how many samples were scored and how much gold exists, whether it
 * counts in the total; and the total score, a missing in-total task counting 0, as MERA does.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunReport(String run, double totalScore, Map<String, TaskResult> tasks) {

    /**
     * One task of a run.
     *
     * @param score the task score, null until a sample with gold is scored
     * @param unscoredReason why this host cannot score the task (e.g. no code sandbox), null when it can
     * @param problem why MERA would zero the task (a submission's broken file), left out when there is none
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TaskResult(String submissionName, boolean inTotal, Double score, Map<String, Double> metrics,
            int samples, int samplesScored, int goldAvailable, String unscoredReason,
            @JsonInclude(JsonInclude.Include.NON_NULL) String problem) {
    }

    public static RunReport build(String run, Map<String, Collection<SampleRecord>> samplesByTask,
            GoldStore gold, TaskCatalogue catalogue) {
        return build(run, samplesByTask, gold, catalogue, Map.of());
    }

    /**
     * @param problems tasks MERA would zero (a broken file, a type mismatch), with the reason: all their metrics are
     *        0 and they still count in the total
     */
    public static RunReport build(String run, Map<String, Collection<SampleRecord>> samplesByTask,
            GoldStore gold, TaskCatalogue catalogue, Map<String, String> problems) {
        Map<String, Map<String, Double>> metricsByTask = new LinkedHashMap<>();
        Map<String, TaskResult> tasks = new LinkedHashMap<>();
        for (Map.Entry<String, Collection<SampleRecord>> e : samplesByTask.entrySet()) {
            Optional<MeraTask> known = catalogue.task(e.getKey());
            if (known.isEmpty()) {
                continue;
            }
            MeraTask task = known.get();
            List<ScoredAnswer> scored = scoredAnswers(task, e.getValue(), gold);
            String problem = problems.get(task.name());
            Map<String, Double> metrics = problem != null ? zeroResults(task, gold)
                    : scored.isEmpty() || task.unscoredReason().isPresent() ? Map.of() : task.metrics(scored);
            if (!metrics.isEmpty()) {
                metricsByTask.put(task.name(), metrics);
            }
            tasks.put(task.name(), new TaskResult(task.submissionName(), task.inTotal(),
                    metrics.isEmpty() ? null : TaskCatalogue.taskScore(metrics), metrics, e.getValue().size(),
                    task.unscoredReason().isPresent() ? 0 : scored.size(), gold.goldCount(task.name()),
                    task.unscoredReason().orElse(null), problem));
        }
        return new RunReport(run, TaskCatalogue.totalScore(metricsByTask), tasks);
    }

    /** MERA's zero_results: every metric key the task has, at 0 (the keys come from scoring its gold against itself). */
    private static Map<String, Double> zeroResults(MeraTask task, GoldStore gold) {
        if (task.unscoredReason().isPresent()) {
            return Map.of();
        }
        List<ScoredAnswer> self = new ArrayList<>();
        for (GoldRow row : gold.rows(task.name())) {
            if (row.hasGold()) {
                self.add(new ScoredAnswer(row, row.outputs()));
            }
        }
        Map<String, Double> zero = new LinkedHashMap<>();
        if (!self.isEmpty()) {
            task.metrics(self).keySet().forEach(k -> zero.put(k, 0.0));
        }
        return zero;
    }

    /** The samples of a task that have gold, paired with it. */
    public static List<ScoredAnswer> scoredAnswers(MeraTask task, Collection<SampleRecord> samples, GoldStore gold) {
        List<ScoredAnswer> scored = new ArrayList<>();
        for (SampleRecord s : samples) {
            gold.row(task.name(), s.docId()).filter(GoldRow::hasGold)
                    .ifPresent(row -> scored.add(new ScoredAnswer(row, s.answer())));
        }
        return scored;
    }

    /** One document's own score: the task score over it alone; null without gold or for unscored tasks. */
    public static Double sampleScore(MeraTask task, GoldRow row, JsonNode answer) {
        if (row == null || !row.hasGold() || task.unscoredReason().isPresent()) {
            return null;
        }
        Map<String, Double> metrics = task.metrics(List.of(new ScoredAnswer(row, answer)));
        return metrics.isEmpty() ? null : TaskCatalogue.taskScore(metrics);
    }
}
