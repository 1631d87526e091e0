package dev.evalgate.engine;

import java.util.List;

/**
 * Validated sampling parameters of one sequence, engine-agnostic.
 *
 * @param temperature 0 means greedy
 * @param topP in (0, 1]
 * @param topK 0 disables
 * @param seed null for a random seed
 * @param maxTokens completion budget in tokens
 * @param stop stop strings, any number, none empty
 * @param includeStopStrInOutput keep the matched stop string in the output
 * @param logprobs log-probabilities of generated tokens: -1 none, 0 the chosen token's only, k also the k most likely
 * @param promptLogprobs log-probabilities of the prompt tokens: -1 none, else as {@code logprobs}
 */
public record SamplingParams(double temperature, double topP, int topK, Long seed, int maxTokens, List<String> stop,
        boolean includeStopStrInOutput, int logprobs, int promptLogprobs) {

    /** No log-probabilities asked for. */
    public static final int NONE = -1;

    public SamplingParams(double temperature, double topP, int topK, Long seed, int maxTokens, List<String> stop,
            boolean includeStopStrInOutput) {
        this(temperature, topP, topK, seed, maxTokens, stop, includeStopStrInOutput, NONE, NONE);
    }

    /** The same parameters asking for log-probabilities ({@link #NONE} for none). */
    public SamplingParams withLogprobs(int logprobs, int promptLogprobs) {
        return new SamplingParams(temperature, topP, topK, seed, maxTokens, stop, includeStopStrInOutput, logprobs,
                promptLogprobs);
    }

    /** The same parameters for the i-th of n sequences: each gets its own seed so they differ but stay reproducible. */
    public SamplingParams forSequence(int index) {
        if (index == 0 || seed == null) {
            return this;
        }
        return new SamplingParams(temperature, topP, topK, seed + index, maxTokens, stop, includeStopStrInOutput,
                logprobs, promptLogprobs);
    }

    /** Checks ranges the way vLLM does and names the offending field. */
    public static SamplingParams validated(Double temperature, Double topP, Integer topK, Long seed, int maxTokens,
            List<String> stop, boolean includeStopStrInOutput, int n) {
        double t = temperature == null ? 1.0 : temperature;
        if (!(t >= 0) || Double.isInfinite(t)) {
            throw new InvalidParameterException("temperature", "temperature must be non-negative, got " + temperature + ".");
        }
        double p = topP == null ? 1.0 : topP;
        if (!(p > 0 && p <= 1)) {
            throw new InvalidParameterException("top_p", "top_p must be in (0, 1], got " + topP + ".");
        }
        int k = topK == null ? 0 : topK;
        if (k < -1) {
            throw new InvalidParameterException("top_k", "top_k must be 0 (disable), or at least 1, got " + topK + ".");
        }
        if (maxTokens < 1) {
            throw new InvalidParameterException("max_tokens", "max_tokens must be at least 1, got " + maxTokens + ".");
        }
        if (n < 1) {
            throw new InvalidParameterException("n", "n must be at least 1, got " + n + ".");
        }
        if (n > 1 && t == 0.0) {
            throw new InvalidParameterException("n", "n must be 1 when using greedy sampling, got " + n + ".");
        }
        for (String s : stop) {
            if (s == null || s.isEmpty()) {
                throw new InvalidParameterException("stop", "stop cannot contain an empty string.");
            }
        }
        return new SamplingParams(t, p, k == -1 ? 0 : k, seed, maxTokens, List.copyOf(stop), includeStopStrInOutput);
    }
}
