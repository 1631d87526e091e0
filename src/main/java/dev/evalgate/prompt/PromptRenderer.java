package dev.evalgate.prompt;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a chat conversation into the exact token ids the engine receives: system-prompt policy, chat template,
 * tokenizer, with nothing added or lost (the template writes the BOS text; the tokenizer adds no second one).
 */
public final class PromptRenderer {

    private final PromptFormat format;
    private final SystemPromptPolicy policy;

    public PromptRenderer(PromptFormat format, SystemPromptPolicy policy) {
        this.format = format;
        this.policy = policy;
    }

    /**
     * A rendered prompt: its text, its token ids and which system prompt it carries ({@code default}, {@code client},
     * {@code default+client} or {@code none}).
     */
    public record RenderedPrompt(String text, int[] tokens, String systemPrompt) {
    }

    /**
     * @param messages OpenAI messages as plain maps (role, content as a string, tool_calls, ...)
     * @param extraContext the request's {@code chat_template_kwargs}; may be null
     */
    public RenderedPrompt render(List<Map<String, Object>> messages, List<Object> tools, boolean addGenerationPrompt,
            Map<String, Object> extraContext) {
        SystemPromptPolicy.Applied applied = policy.apply(messages);
        Map<String, Object> context = new HashMap<>();
        if (extraContext != null) {
            context.putAll(extraContext);
        }
        context.put("messages", applied.messages());
        context.put("tools", tools);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", format.bosToken());
        context.put("eos_token", format.eosToken());
        String text = format.template().render(context);
        return new RenderedPrompt(text, format.tokenizer().encode(text, false), applied.systemPrompt());
    }

    /** The system-prompt policy alone, for an engine that renders the conversation itself. */
    public SystemPromptPolicy.Applied applyPolicy(List<Map<String, Object>> messages) {
        return policy.apply(messages);
    }

    public PromptFormat format() {
        return format;
    }
}
