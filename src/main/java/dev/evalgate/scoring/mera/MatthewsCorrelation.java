package dev.evalgate.scoring.mera;

import java.util.TreeSet;

/**
 * {@code sklearn.metrics.matthews_corrcoef} (scikit-learn 1.0.2), multiclass form: labels are the sorted union of gold
 * and predicted values, so a "-1" (no answer) prediction adds a third class instead of counting as 0.
 */
public final class MatthewsCorrelation {

    private MatthewsCorrelation() {
    }

    /**
     * {@code (c·s − t·p) / sqrt((s² − p·p)(s² − t·t))} over the confusion matrix; 0 when either factor of the
     * denominator is 0, e.g. when every gold label (or every prediction) is the same.
     *
     * @throws UnscorableAnswerException for labels sklearn rejects as "continuous" (non-integral, infinite, NaN)
     */
    public static double of(double[] golds, double[] preds) {
        if (golds.length != preds.length) {
            throw new IllegalArgumentException("golds and preds differ in length");
        }
        TreeSet<Double> labels = new TreeSet<>();
        for (int i = 0; i < golds.length; i++) {
            labels.add(label(golds[i]));
            labels.add(label(preds[i]));
        }
        Double[] order = labels.toArray(new Double[0]);
        int k = order.length;
        double[][] confusion = new double[k][k];
        for (int i = 0; i < golds.length; i++) {
            confusion[index(order, label(golds[i]))][index(order, label(preds[i]))]++;
        }
        double[] tSum = new double[k];
        double[] pSum = new double[k];
        double correct = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                tSum[i] += confusion[i][j];
                pSum[j] += confusion[i][j];
            }
            correct += confusion[i][i];
        }
        double samples = 0;
        double tp = 0;
        double pp = 0;
        double tt = 0;
        for (int i = 0; i < k; i++) {
            samples += pSum[i];
            tp += tSum[i] * pSum[i];
            pp += pSum[i] * pSum[i];
            tt += tSum[i] * tSum[i];
        }
        double covYtYp = correct * samples - tp;
        double covYpYp = samples * samples - pp;
        double covYtYt = samples * samples - tt;
        if (covYpYp * covYtYt == 0) {
            return 0.0;
        }
        return covYtYp / Math.sqrt(covYtYt * covYpYp);
    }

    // -0.0 and 0.0 are one label for numpy; non-integral values make sklearn call the target continuous and raise.
    private static double label(double value) {
        if (!Double.isFinite(value) || value != Math.rint(value)) {
            throw new UnscorableAnswerException("label " + value + " is not a class label");
        }
        return value == 0.0 ? 0.0 : value;
    }

    private static int index(Double[] order, double value) {
        for (int i = 0; i < order.length; i++) {
            if (order[i] == value) {
                return i;
            }
        }
        throw new IllegalStateException();
    }
}
