package dev.evalgate.engine;

import java.util.List;
import java.util.Map;

/**
 * One sequence to generate: the prompt as token ids exactly as the engine must see them (no BOS is added) and how to
 * sample.
 *
 * @param requestId for logs and engine bookkeeping
 * @param promptTokens the rendered prompt's token ids; empty when the engine renders the chat itself
 * @param sampling validated sampling parameters; {@code maxTokens} is the completion budget in tokens
 * @param chat the conversation, for an engine that applies the chat template itself
 *        ({@link EngineCapabilities#rendersChat()}); null otherwise
 */
public record GenerationRequest(String requestId, int[] promptTokens, SamplingParams sampling, ChatPrompt chat) {

    public GenerationRequest(String requestId, int[] promptTokens, SamplingParams sampling) {
        this(requestId, promptTokens, sampling, null);
    }

    /**
     * A conversation as the chat template would see it, the system-prompt policy already applied.
     *
     * @param messages OpenAI messages as plain values
     * @param templateKwargs the request's {@code chat_template_kwargs}, or null
     * @param maxTokens the client's token budget, null when it set none (the engine's own limit then holds)
     */
    public record ChatPrompt(List<Map<String, Object>> messages, List<Object> tools, boolean addGenerationPrompt,
            Map<String, Object> templateKwargs, Integer maxTokens) {
    }
}
