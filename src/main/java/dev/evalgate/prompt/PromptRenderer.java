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
     * A rendered prompt: its text, its token ids, which system prompt it carries ({@code default}, {@code client},
     * {@code default+client} or {@code none}), and how long the chat template and the tokenizer took (0 when not run).
     */
    public record RenderedPrompt(String text, int[] tokens, String systemPrompt, long templateNanos,
            long tokenizerNanos) {

        /** The same prompt without its text, for a request that needs only the ids until the engine has them. */
        public RenderedPrompt withoutText() {
            return new RenderedPrompt(null, tokens, systemPrompt, templateNanos, tokenizerNanos);
        }

        /** A prompt evalgate did not render (the engine renders the conversation itself). */
        public RenderedPrompt(String text, int[] tokens, String systemPrompt) {
            this(text, tokens, systemPrompt, 0, 0);
        }
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
        long start = System.nanoTime();
        String text = format.template().render(context);
        long rendered = System.nanoTime();
        int[] tokens = format.tokenizer().encode(text, false);
        return new RenderedPrompt(text, tokens, applied.systemPrompt(), rendered - start, System.nanoTime() - rendered);
    }

    /** The system-prompt policy alone, for an engine that renders the conversation itself. */
    public SystemPromptPolicy.Applied applyPolicy(List<Map<String, Object>> messages) {
        return policy.apply(messages);
    }

    public PromptFormat format() {
        return format;
    }
}
