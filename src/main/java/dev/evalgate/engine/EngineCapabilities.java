package dev.evalgate.engine;

/**
 * What an engine can do, so the API layer can refuse what it cannot instead of answering wrongly.
 *
 * @param promptLogprobs whether it returns log-probabilities of prompt tokens ({@code echo} + {@code logprobs})
 * @param maxContextLength the longest prompt + completion it accepts, in tokens
 */
public record EngineCapabilities(boolean promptLogprobs, int maxContextLength) {
}
