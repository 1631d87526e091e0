package dev.evalgate.scoring.mera;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Exact-equality accuracy ({@code y_true == y_pred}, no strip or case folding), optionally with {@code f1_macro} and
 * per-group accuracies {@code <key>.<group>}.
 *
 * @param key {@code acc} or {@code em}
 * @param withF1Macro add sklearn's macro F1 over the same labels
 * @param group the row's group value (meta.domain, inputs.target_group, meta.criteria), or null for no groups
 */
public record ExactMatchMetrics(String key, boolean withF1Macro, Function<GoldRow, JsonNode> group) implements TaskMetrics {

    @Override
    public Map<String, Double> score(List<ScoredAnswer> answers) {
        List<Double> hits = new ArrayList<>();
        Map<String, List<Double>> byGroup = new LinkedHashMap<>();
        List<String> golds = new ArrayList<>();
        List<String> preds = new ArrayList<>();
        for (ScoredAnswer answer : answers) {
            JsonNode gold = answer.gold().outputs();
            double hit = gold.equals(answer.answer()) ? 1.0 : 0.0;
            hits.add(hit);
            if (group != null) {
                byGroup.computeIfAbsent(groupKey(answer.gold()), k -> new ArrayList<>()).add(hit);
            }
            if (withF1Macro) {
                golds.add(gold.asText());
                preds.add(answer.answer().asText());
            }
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(key, Mean.python(hits));
        if (withF1Macro) {
            metrics.put("f1_macro", F1Macro.of(golds, preds));
        }
        byGroup.forEach((name, values) -> metrics.put(name, Mean.python(values)));
        return metrics;
    }

    @Override
    public List<String> keys(List<GoldRow> golds) {
        Set<String> keys = new LinkedHashSet<>();
        keys.add(key);
        if (withF1Macro) {
            keys.add("f1_macro");
        }
        if (group != null) {
            for (GoldRow row : golds) {
                JsonNode value = group.apply(row);
                if (value != null && !value.isMissingNode() && !value.isNull()) {
                    keys.add(key + "." + value.asText());
                }
            }
        }
        return List.copyOf(keys);
    }

    private String groupKey(GoldRow row) {
        JsonNode value = group.apply(row);
        if (value == null || value.isMissingNode() || value.isNull()) {
            throw new UnscorableAnswerException("document " + row.docId() + " has no group for " + key);
        }
        return key + "." + value.asText();
    }
}
