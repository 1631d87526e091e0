package dev.evalgate.engine;

/**
 * What an engine can do, so the API layer can refuse what it cannot instead of answering wrongly.
 *
 * @param maxContextLength the longest prompt + completion it accepts, in tokens
 * @param logprobs whether it gives log-probabilities of the tokens it generates
 * @param promptLogprobs whether it gives log-probabilities of prompt tokens ({@code echo} + {@code logprobs})
 * @param maxTopLogprobs the most alternatives per position it can list
 * @param unsupportedReason why it cannot give what it cannot, in words a client can act on
 * @param rendersChat whether it applies the chat template itself: chat requests then reach it as a
 *        {@link GenerationRequest.ChatPrompt}, not as token ids
 */
public record EngineCapabilities(int maxContextLength, boolean logprobs, boolean promptLogprobs, int maxTopLogprobs,
        String unsupportedReason, boolean rendersChat) {

    public EngineCapabilities(int maxContextLength, boolean logprobs, boolean promptLogprobs, int maxTopLogprobs,
            String unsupportedReason) {
        this(maxContextLength, logprobs, promptLogprobs, maxTopLogprobs, unsupportedReason, false);
    }
}
