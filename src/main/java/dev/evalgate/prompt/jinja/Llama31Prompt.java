package dev.evalgate.prompt.jinja;

import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.evalgate.python.PythonText;

/**
 * The Llama 3.1 chat template's output for a plain conversation, written directly instead of through Jinjava: string
 * messages without tools or tool calls, no template keyword arguments. Rendering is most of the time a request spends
 * before the engine starts, and this is the shape of nearly all benchmark traffic. Anything else (tools, tool calls,
 * ipython or tool messages, list content, {@code chat_template_kwargs}) returns null and goes through the template
 * itself. Byte-identical to the template on everything it accepts (checked against Jinjava by the tests).
 */
final class Llama31Prompt {

    private static final Set<String> PLAIN_CONTEXT = Set.of("messages", "tools", "add_generation_prompt", "bos_token",
            "eos_token");

    private Llama31Prompt() {
    }

    /** The rendered prompt, or null when the context needs the template. */
    static String render(Map<String, Object> context) {
        if (!PLAIN_CONTEXT.containsAll(context.keySet()) || context.get("tools") != null
                || !(context.get("add_generation_prompt") instanceof Boolean addGenerationPrompt)
                || !(context.get("bos_token") instanceof String bos)
                || !(context.get("messages") instanceof List<?> messages) || messages.isEmpty()) {
            return null;
        }
        for (Object m : messages) {
            if (!(m instanceof Map<?, ?> message) || message.containsKey("tool_calls")
                    || !(message.get("role") instanceof String role) || role.equals("ipython") || role.equals("tool")
                    || !(message.get("content") instanceof String)) {
                return null;
            }
        }
        StringBuilder out = new StringBuilder(256);
        out.append(bos).append("<|start_header_id|>system<|end_header_id|>\n\n")
                .append("Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n");
        int first = 0;
        if ("system".equals(((Map<?, ?>) messages.get(0)).get("role"))) {
            out.append(PythonText.strip((String) ((Map<?, ?>) messages.get(0)).get("content"), null));
            first = 1;
        }
        out.append("<|eot_id|>");
        for (Object m : messages.subList(first, messages.size())) {
            Map<?, ?> message = (Map<?, ?>) m;
            out.append("<|start_header_id|>").append(message.get("role")).append("<|end_header_id|>\n\n")
                    .append(PythonText.strip((String) message.get("content"), null)).append("<|eot_id|>");
        }
        if (addGenerationPrompt) {
            out.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }
        return out.toString();
    }
}
