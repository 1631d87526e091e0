package dev.evalgate.scoring.mera;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.evalgate.python.PythonText;

/**
 * USE (Russian state exam) grading, as {@code modules/scoring/src/tasks/use.py}: each item earns points by its type,
 * {@code grade_norm} is the mean over exam variants of points / max points, and {@code grade_norm.task<id>} the mean of
 * points / max over the items of one exam task.
 */
public final class UseGrades implements TaskMetrics {

    @Override
    public Map<String, Double> score(List<ScoredAnswer> answers) {
        Map<JsonNode, double[]> byVariant = new LinkedHashMap<>();
        Map<String, List<Double>> byTask = new LinkedHashMap<>();
        for (ScoredAnswer answer : answers) {
            GoldRow gold = answer.gold();
            JsonNode idTask = field(gold, "id_task");
            String type = field(gold, "type").asText();
            JsonNode variant = field(gold, "variant");
            JsonNode maxNode = field(gold, "score");
            if (!maxNode.isNumber() || maxNode.asDouble() == 0.0) {
                throw new UnscorableAnswerException("document " + gold.docId() + " has no usable meta.score");
            }
            double max = maxNode.asDouble();
            int points = itemScore(type, idTask.isTextual() ? idTask.asText() : null, gold.outputs().asText(),
                    answer.answer().asText());
            double[] sums = byVariant.computeIfAbsent(variant, v -> new double[2]);
            sums[0] += points;
            sums[1] += max;
            byTask.computeIfAbsent("grade_norm.task" + idTask.asText(), k -> new ArrayList<>()).add(points / max);
        }
        List<Double> variantGrades = new ArrayList<>();
        byVariant.values().forEach(sums -> variantGrades.add(sums[0] / sums[1]));
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("grade_norm", Mean.numpy(variantGrades));
        byTask.forEach((key, grades) -> metrics.put(key, Mean.numpy(grades)));
        return metrics;
    }

    @Override
    public List<String> keys(List<GoldRow> golds) {
        // use.py aggregation(): task1..task26 without task8, then task8_0..task8_4
        List<String> keys = new ArrayList<>();
        keys.add("grade_norm");
        for (int i = 1; i <= 26; i++) {
            if (i != 8) {
                keys.add("grade_norm.task" + i);
            }
        }
        for (int i = 0; i < 5; i++) {
            keys.add("grade_norm.task8_" + i);
        }
        return keys;
    }

    /**
     * Points for one item ({@code get_scores}).
     *
     * @param idTask {@code meta.id_task} if it is a string (only the string "16" triggers the task-16 rule), else null
     */
    public static int itemScore(String type, String idTask, String answer, String prediction) {
        if (type.equals("matching")) {
            return matching(answer, prediction);
        }
        if (type.equals("text")) {
            return text(answer, prediction);
        }
        return multipleChoice(answer, prediction, "16".equals(idTask));
    }

    /** Positions of the ","-separated list that agree; 0 if the lengths differ. */
    public static int matching(String answer, String prediction) {
        List<String> pred = PythonText.split(prediction, ",");
        List<String> ans = PythonText.split(answer, ",");
        if (ans.size() != pred.size()) {
            return 0;
        }
        int score = 0;
        for (int i = 0; i < ans.size(); i++) {
            if (ans.get(i).equals(pred.get(i))) {
                score++;
            }
        }
        return score;
    }

    /**
     * 1 if {@code re.sub(r"[\d+\W+]", "", prediction).lower()} is one of the ","-separated answers: digits and
     * non-word characters go (Unicode-aware, "_" stays), so "1) Город." becomes "город".
     */
    public static int text(String answer, String prediction) {
        StringBuilder kept = new StringBuilder(prediction.length());
        prediction.codePoints()
                .filter(cp -> PythonText.isWordChar(cp) && !PythonText.isDecimal(cp))
                .forEach(kept::appendCodePoint);
        return PythonText.split(answer, ",").contains(PythonText.lower(kept.toString())) ? 1 : 0;
    }

    /**
     * Multiple choice: all-or-nothing set equality; task 16 instead pads the prediction with "-1" to the answer's
     * length and scores {@code max(0, |ans ∩ pred| − len(pred) + len(ans))}, i.e. a point off per wrong or extra choice.
     */
    public static int multipleChoice(String answer, String prediction, boolean task16) {
        List<String> pred = PythonText.split(prediction, ",");
        List<String> ans = PythonText.split(answer, ",");
        if (task16) {
            while (pred.size() < ans.size()) {
                pred.add("-1");
            }
            Set<String> common = new HashSet<>(ans);
            common.retainAll(new HashSet<>(pred));
            return Math.max(0, common.size() - pred.size() + ans.size());
        }
        Set<String> ansSet = new HashSet<>(ans);
        Set<String> predSet = new HashSet<>(pred);
        Set<String> common = new HashSet<>(ansSet);
        common.retainAll(predSet);
        return common.size() == ansSet.size() && ansSet.size() == predSet.size() ? 1 : 0;
    }

    private static JsonNode field(GoldRow gold, String name) {
        JsonNode value = gold.meta() == null ? null : gold.meta().get(name);
        if (value == null || value.isNull()) {
            throw new UnscorableAnswerException("document " + gold.docId() + " has no meta." + name);
        }
        return value;
    }
}
