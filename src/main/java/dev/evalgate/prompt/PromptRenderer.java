package dev.evalgate.prompt;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.evalgate.engine.InferenceEngine;

/**
 * Renders a chat conversation into the exact token ids the engine receives: chat template, then tokenizer, with
 * nothing added or lost (the template writes the BOS text; the tokenizer adds no second one).
 */
public final class PromptRenderer {

    private static final String BOS = "<|begin_of_text|>";
    private static final String EOS = "<|eot_id|>";

    private final ChatTemplate template;
    private final InferenceEngine engine;

    public PromptRenderer(ChatTemplate template, InferenceEngine engine) {
        this.template = template;
        this.engine = engine;
    }

    /** A rendered prompt: its text and its token ids. */
    public record RenderedPrompt(String text, int[] tokens) {
    }

    /**
     * @param messages OpenAI messages as plain maps (role, content as a string, tool_calls, ...)
     * @param extraContext the request's {@code chat_template_kwargs}; may be null
     */
    public RenderedPrompt render(List<Map<String, Object>> messages, List<Object> tools, boolean addGenerationPrompt,
            Map<String, Object> extraContext) {
        Map<String, Object> context = new HashMap<>();
        if (extraContext != null) {
            context.putAll(extraContext);
        }
        context.put("messages", messages);
        context.put("tools", tools);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", BOS);
        context.put("eos_token", EOS);
        String text = template.render(context);
        return new RenderedPrompt(text, engine.tokenize(text));
    }
}
