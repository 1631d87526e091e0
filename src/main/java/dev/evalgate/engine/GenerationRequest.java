package dev.evalgate.engine;


/**
 * One sequence to generate: the prompt as token ids exactly as the engine must see them (no BOS is added) and how to sample.
 *
 * @param requestId for logs and engine bookkeeping
 * @param promptTokens the rendered prompt's token ids
 * @param sampling validated sampling parameters; {@code maxTokens} is the completion budget in tokens
 */
public record GenerationRequest(String requestId, int[] promptTokens, SamplingParams sampling) {
}
