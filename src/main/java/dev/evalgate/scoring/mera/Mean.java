package dev.evalgate.scoring.mera;

import java.util.List;

/**
 * The two averages MERA's server uses, summed the way each sums: its own {@code mean()} (a Python {@code sum},
 * left to right) and {@code np.mean} (numpy's pairwise summation), so results match bit for bit, not just closely.
 */
public final class Mean {

    // numpy's pairwise_sum block size (PW_BLOCKSIZE) and unroll factor.
    private static final int BLOCK = 128;
    private static final int UNROLL = 8;

    private Mean() {
    }

    /** {@code sum(arr) / max(len(arr), 1)}: 0 for no values. Left to right, as Python ≤ 3.11's {@code sum}. */
    public static double python(List<Double> values) {
        double sum = 0.0;
        for (double v : values) {
            sum += v;
        }
        return sum / Math.max(values.size(), 1);
    }

    /** {@code np.mean(values)}; NaN for no values, as numpy returns (with a warning). */
    public static double numpy(List<Double> values) {
        double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
        return (0.0 + pairwiseSum(a, 0, a.length)) / a.length;
    }

    /** {@code np.prod(values)}: numpy multiplies sequentially (pairwise is only for add). */
    public static double numpyProduct(double[] values) {
        double p = 1.0;
        for (double v : values) {
            p *= v;
        }
        return p;
    }

    // numpy/_core/src/umath/loops_utils.h.src pairwise_sum, verified bit-exact against np.add.reduce (numpy 2.4).
    private static double pairwiseSum(double[] a, int from, int n) {
        if (n < UNROLL) {
            double res = 0.0;
            for (int i = 0; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        if (n <= BLOCK) {
            double[] r = new double[UNROLL];
            System.arraycopy(a, from, r, 0, UNROLL);
            int i = UNROLL;
            for (; i < n - (n % UNROLL); i += UNROLL) {
                for (int j = 0; j < UNROLL; j++) {
                    r[j] += a[from + i + j];
                }
            }
            double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % UNROLL;
        return pairwiseSum(a, from, n2) + pairwiseSum(a, from + n2, n - n2);
    }
}
