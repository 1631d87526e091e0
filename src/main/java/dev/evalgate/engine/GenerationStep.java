package dev.evalgate.engine;

import java.util.List;

/**
 * One engine step: the text it produced (complete UTF-8 characters only), how many tokens that took, and their
 * log-probabilities when the request asked for them.
 *
 * @param text decoded text of this step; may be empty
 * @param tokens number of tokens generated in this step (at least 1), 0 for a step that only carries prompt
 *        log-probabilities
 * @param endOfTurn true when this step's last token is an end-of-turn / end-of-sequence token (whose text is not in
 *        {@code text})
 * @param logprobs one per generated token of this step, when {@link SamplingParams#logprobs()} asked; else null
 * @param promptLogprobs one per prompt token, the first null (nothing precedes it), in the first step only, when
 *        {@link SamplingParams#promptLogprobs()} asked; else null
 * @param promptTokens the prompt's length when only the engine knows it (it rendered the chat itself), else 0
 */
public record GenerationStep(String text, int tokens, boolean endOfTurn, List<TokenLogprob> logprobs,
        List<TokenLogprob> promptLogprobs, int promptTokens) {

    public GenerationStep(String text, int tokens, boolean endOfTurn) {
        this(text, tokens, endOfTurn, null, null, 0);
    }

    public static GenerationStep text(String text) {
        return new GenerationStep(text, 1, false);
    }

    /** An end-of-turn token alone. */
    public static GenerationStep eot() {
        return new GenerationStep("", 1, true);
    }

    /** A step with no token that tells the prompt's length, for an engine that rendered the prompt itself. */
    public static GenerationStep promptLength(int promptTokens) {
        return new GenerationStep("", 0, false, null, null, promptTokens);
    }

    /** The same step with the log-probabilities of its tokens. */
    public GenerationStep withLogprobs(List<TokenLogprob> logprobs) {
        return new GenerationStep(text, tokens, endOfTurn, logprobs, promptLogprobs, promptTokens);
    }

    /** The same step carrying the prompt's log-probabilities too. */
    public GenerationStep withPromptLogprobs(List<TokenLogprob> promptLogprobs) {
        return new GenerationStep(text, tokens, endOfTurn, logprobs, promptLogprobs, promptTokens);
    }
}
