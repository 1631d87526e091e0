package dev.evalgate.engine;

import java.util.List;

/**
 * The log-probability of one token at its position, and the most likely tokens there when they were asked for.
 *
 * @param token the token's text (an incomplete UTF-8 character shows as U+FFFD, as vLLM shows it)
 * @param logprob natural log of its probability; never below {@link #FLOOR}
 * @param top the most likely tokens at this position, most likely first; empty when none were asked for
 */
public record TokenLogprob(String token, double logprob, List<Candidate> top) {

    /** What vLLM writes for -inf, since JSON has no infinities. */
    public static final double FLOOR = -9999.0;

    public TokenLogprob {
        logprob = clamp(logprob);
        top = top == null ? List.of() : top;
    }

    /** One of the most likely tokens at a position. */
    public record Candidate(String token, double logprob) {
        public Candidate {
            logprob = clamp(logprob);
        }
    }

    private static double clamp(double logprob) {
        return Double.isNaN(logprob) || logprob < FLOOR ? FLOOR : logprob;
    }
}
