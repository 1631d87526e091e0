package dev.evalgate.scoring.mera;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * ruHumanEval / ruCodeEval, as {@code modules/scoring/src/tasks/rucodeeval.py}: a generation is correct when its
 * per-test results equal the gold strings exactly; {@code pass@k} is the unbiased estimator over a problem's n
 * generations, averaged over problems with the server's {@code mean}.
 */
public final class PassAtK implements TaskMetrics {

    private final int[] ks;

    /** @param ks the k values, {@code [1, 5, 10]} in {@code configs/rucodeeval.yaml} */
    public PassAtK(int... ks) {
        this.ks = ks.clone();
    }

    @Override
    public Map<String, Double> score(List<ScoredAnswer> answers) {
        Map<String, List<Double>> values = new LinkedHashMap<>();
        for (int k : ks) {
            values.put("pass@" + k, new ArrayList<>());
        }
        for (ScoredAnswer answer : answers) {
            List<JsonNode> outputs = pythonSequence(answer.answer(), answer.gold());
            if (outputs.isEmpty()) {
                throw new UnscorableAnswerException("document " + answer.gold().docId() + ": outputs[0] of an empty list");
            }
            List<JsonNode> generations = pythonSequence(outputs.get(0), answer.gold());
            int correct = 0;
            for (JsonNode generation : generations) {
                correct += isCorrect(answer.gold().outputs(), generation, answer.gold()) ? 1 : 0;
            }
            for (int k : ks) {
                values.get("pass@" + k).add(estimate(generations.size(), correct, k));
            }
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        values.forEach((key, perProblem) -> metrics.put(key, Mean.python(perProblem)));
        return metrics;
    }

    @Override
    public List<String> keys(List<GoldRow> golds) {
        List<String> keys = new ArrayList<>();
        for (int k : ks) {
            keys.add("pass@" + k);
        }
        return keys;
    }

    /**
     * {@code 1.0 if n − c < k else 1 − Π_{i=n−c+1..n} (1 − k/i)}; with fewer than k generations this is 1.0 even
     * when none is correct, exactly as the server computes it.
     */
    public static double estimate(int n, int c, int k) {
        if (n - c < k) {
            return 1.0;
        }
        double[] factors = new double[c];
        for (int i = n - c + 1, j = 0; i <= n; i++, j++) {
            factors[j] = 1.0 - (double) k / i;
        }
        return 1.0 - Mean.numpyProduct(factors);
    }

    /**
     * {@code check_solution(y_true, y_pred)}: non-empty, as long as the gold, first item of the gold's type (a str),
     * and every item equal. A generation that is a string ("timed out") is a sequence of characters to Python.
     */
    static boolean isCorrect(JsonNode gold, JsonNode generation, GoldRow row) {
        if (generation.isObject()) {
            if (generation.size() == 0 || generation.size() != gold.size()) {
                return false;
            }
            throw new UnscorableAnswerException("document " + row.docId() + ": a generation is a dict");
        }
        List<JsonNode> pred = pythonSequence(generation, row);
        if (pred.isEmpty() || pred.size() != gold.size()) {
            return false;
        }
        if (gold.get(0).getNodeType() != pred.get(0).getNodeType()) {
            return false;
        }
        for (int i = 0; i < gold.size(); i++) {
            if (!gold.get(i).equals(pred.get(i))) {
                return false;
            }
        }
        return true;
    }

    // What Python can len() and index here: a list, or a str as its characters; None or a number raises.
    private static List<JsonNode> pythonSequence(JsonNode node, GoldRow row) {
        List<JsonNode> items = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(items::add);
        } else if (node != null && node.isTextual()) {
            node.asText().codePoints().forEach(cp -> items.add(TextNode.valueOf(new String(Character.toChars(cp)))));
        } else {
            throw new UnscorableAnswerException("document " + row.docId() + ": len() of " + (node == null ? "None" : node.getNodeType()));
        }
        return items;
    }
}
