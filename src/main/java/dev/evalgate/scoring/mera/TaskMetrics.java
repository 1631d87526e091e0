package dev.evalgate.scoring.mera;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

/** How MERA's server ({@code modules/scoring/src/tasks/*.py}) turns a task's answers into its metrics. */
public interface TaskMetrics {

    /**
     * The metrics under MERA's key names, in the order the server's result dict has them.
     *
     * @param answers answers whose gold is known and whose JSON type matches it
     * @throws UnscorableAnswerException where the server's {@code process_results} would raise
     */
    Map<String, Double> score(List<ScoredAnswer> answers);

    /** The keys the server reports as 0 when it cannot score the task ({@code zero_results}), given the gold rows. */
    List<String> keys(List<GoldRow> golds);

    /** {@code acc}: exact string equality. */
    static TaskMetrics accuracy() {
        return new ExactMatchMetrics("acc", false, null);
    }

    /** {@code em}: the same equality under the arithmetic tasks' name. */
    static TaskMetrics exactMatch() {
        return new ExactMatchMetrics("em", false, null);
    }

    /** {@code acc} and sklearn's {@code f1_macro} (RCB, ruOpenBookQA, ruWorldTree). */
    static TaskMetrics accuracyAndF1Macro() {
        return new ExactMatchMetrics("acc", true, null);
    }

    /** {@code acc} plus {@code acc.<group>} for every group the gold rows carry (domain, target group, criteria). */
    static TaskMetrics accuracyBy(Function<GoldRow, JsonNode> group) {
        return new ExactMatchMetrics("acc", false, group);
    }

    /** MultiQ / CheGeKa: SQuAD token {@code f1} and {@code em}, best over the ";"-separated gold alternatives. */
    static TaskMetrics squad() {
        return new SquadMetrics();
    }

    /** USE: {@code grade_norm} and its 30 {@code grade_norm.task*} parts. */
    static TaskMetrics useGrades() {
        return new UseGrades();
    }

    /** ruEthics: Matthews correlation per {@code question.criterion}. */
    static TaskMetrics ethicsCorrelations() {
        return new EthicsCorrelations();
    }

    /** ruHumanEval / ruCodeEval: unbiased {@code pass@k} over each problem's generations. */
    static TaskMetrics passAtK(int... ks) {
        return new PassAtK(ks);
    }

    /** For a task this code cannot score (ruDetox): no metrics at all rather than invented ones. */
    static TaskMetrics none() {
        return new TaskMetrics() {
            @Override
            public Map<String, Double> score(List<ScoredAnswer> answers) {
                return Map.of();
            }

            @Override
            public List<String> keys(List<GoldRow> golds) {
                return List.of();
            }
        };
    }
}
