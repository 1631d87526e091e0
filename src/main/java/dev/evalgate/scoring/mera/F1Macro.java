package dev.evalgate.scoring.mera;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import dev.evalgate.python.PythonText;

/**
 * {@code sklearn.metrics.f1_score(golds, preds, average="macro")} (scikit-learn 1.0.2, as the server pins): one F1 per
 * label of the sorted union of gold and predicted labels, so an invalid prediction such as "-1" is a class of its own
 * with F1 = 0 that drags the mean down.
 */
public final class F1Macro {

    private F1Macro() {
    }

    /** Macro F1; 0 for a label whose precision or recall has a zero denominator (sklearn's zero_division="warn"). */
    public static double of(List<String> golds, List<String> preds) {
        if (golds.size() != preds.size()) {
            throw new IllegalArgumentException("golds and preds differ in length");
        }
        TreeSet<String> labels = new TreeSet<>(PythonText.CODE_POINT_ORDER);
        labels.addAll(golds);
        labels.addAll(preds);
        List<Double> scores = new ArrayList<>();
        for (String label : labels) {
            int tp = 0;
            int fp = 0;
            int fn = 0;
            for (int i = 0; i < golds.size(); i++) {
                boolean gold = golds.get(i).equals(label);
                boolean pred = preds.get(i).equals(label);
                if (gold && pred) {
                    tp++;
                } else if (pred) {
                    fp++;
                } else if (gold) {
                    fn++;
                }
            }
            double precision = tp + fp == 0 ? 0.0 : (double) tp / (tp + fp);
            double recall = tp + fn == 0 ? 0.0 : (double) tp / (tp + fn);
            double denominator = precision + recall;
            // sklearn: f = (1 + beta²) * P * R / (beta² * P + R), a zero denominator replaced by 1
            scores.add(2.0 * precision * recall / (denominator == 0.0 ? 1.0 : denominator));
        }
        return Mean.numpy(scores);
    }
}
