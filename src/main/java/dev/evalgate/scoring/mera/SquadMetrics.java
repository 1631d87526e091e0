package dev.evalgate.scoring.mera;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.evalgate.python.PythonText;

/**
 * MultiQ / CheGeKa metrics: {@code transformers.data.metrics.squad_metrics} token F1 and exact match, each the best
 * over the gold's ";"-separated alternatives, averaged with the server's {@code mean}.
 */
public final class SquadMetrics implements TaskMetrics {

    // Python's string.punctuation: ASCII only, so «» — … survive normalisation.
    private static final String ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    private static final WholeWordPattern ARTICLES = new WholeWordPattern(List.of("a", "an", "the"));

    @Override
    public Map<String, Double> score(List<ScoredAnswer> answers) {
        List<Double> f1 = new ArrayList<>();
        List<Double> em = new ArrayList<>();
        for (ScoredAnswer answer : answers) {
            String prediction = answer.answer().asText();
            double bestF1 = Double.NEGATIVE_INFINITY;
            double bestEm = Double.NEGATIVE_INFINITY;
            for (String alternative : PythonText.split(answer.gold().outputs().asText(), ";")) {
                // metric_max_over_ground_truths calls metric_fn(prediction, ground_truth): the prediction is "a_gold"
                bestF1 = Math.max(bestF1, f1(prediction, alternative));
                bestEm = Math.max(bestEm, exact(prediction, alternative));
            }
            f1.add(bestF1);
            em.add(bestEm);
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("f1", Mean.python(f1));
        metrics.put("em", Mean.python(em));
        return metrics;
    }

    @Override
    public List<String> keys(List<GoldRow> golds) {
        return List.of("f1", "em");
    }

    /** {@code normalize_answer}: lower, drop ASCII punctuation, articles → " ", collapse whitespace. */
    public static String normalize(String s) {
        String lowered = PythonText.lower(s);
        StringBuilder kept = new StringBuilder(lowered.length());
        lowered.codePoints().filter(cp -> cp >= 128 || ASCII_PUNCTUATION.indexOf(cp) < 0).forEach(kept::appendCodePoint);
        return String.join(" ", PythonText.split(ARTICLES.replaceAll(kept.toString(), " ")));
    }

    /** {@code compute_exact(a_gold, a_pred)}. */
    public static double exact(String aGold, String aPred) {
        return normalize(aGold).equals(normalize(aPred)) ? 1.0 : 0.0;
    }

    /** {@code compute_f1(a_gold, a_pred)}: bag-of-tokens F1; an empty side scores 1 only if both are empty. */
    public static double f1(String aGold, String aPred) {
        List<String> goldToks = tokens(aGold);
        List<String> predToks = tokens(aPred);
        if (goldToks.isEmpty() || predToks.isEmpty()) {
            return goldToks.equals(predToks) ? 1.0 : 0.0;
        }
        Map<String, Integer> goldCounts = new HashMap<>();
        goldToks.forEach(t -> goldCounts.merge(t, 1, Integer::sum));
        Map<String, Integer> predCounts = new HashMap<>();
        predToks.forEach(t -> predCounts.merge(t, 1, Integer::sum));
        int numSame = 0;
        for (Map.Entry<String, Integer> e : goldCounts.entrySet()) {
            numSame += Math.min(e.getValue(), predCounts.getOrDefault(e.getKey(), 0));
        }
        if (numSame == 0) {
            return 0.0;
        }
        double precision = 1.0 * numSame / predToks.size();
        double recall = 1.0 * numSame / goldToks.size();
        return (2 * precision * recall) / (precision + recall);
    }

    private static List<String> tokens(String s) {
        return s.isEmpty() ? List.of() : PythonText.split(normalize(s));
    }
}
