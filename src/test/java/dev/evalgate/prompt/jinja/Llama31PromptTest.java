package dev.evalgate.prompt.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The direct Llama 3.1 renderer writes exactly what the template does through Jinjava, and declines the rest. */
class Llama31PromptTest {

    static final String[] PIECES = { "Привет, мир!", "  padded  ", "\n\nnew\nlines\n", "{{ x }}", "emoji 🙂",
            "tab\t", "\u00a0nbsp\u00a0", "\u0085nel\u2003em\u3000", "\u001cfs\u001f", "\u200bzero-width\u200b", "",
            "<|eot_id|>", "Ответ: A", "quote \" '" };
    static final String[] ROLES = { "user", "assistant", "system", "developer" };

    // compiled from source, as a configured template is; the server's default is the same text
    final ChatTemplate template = ChatTemplate.compile(ChatTemplate.llama31DefaultSource());

    @Test
    void plainConversationsRenderAsTheTemplateDoes() {
        Random random = new Random(42);
        for (int i = 0; i < 500; i++) {
            List<Map<String, Object>> messages = new ArrayList<>();
            int n = 1 + random.nextInt(6);
            for (int j = 0; j < n; j++) {
                String role = j == 0 && random.nextBoolean() ? "system" : ROLES[random.nextInt(ROLES.length)];
                StringBuilder content = new StringBuilder();
                for (int k = random.nextInt(4); k > 0; k--) {
                    content.append(PIECES[random.nextInt(PIECES.length)]);
                }
                Map<String, Object> message = new LinkedHashMap<>();
                message.put("role", role);
                message.put("content", content.toString());
                messages.add(message);
            }
            Map<String, Object> context = context(messages, random.nextInt(4) != 0);
            String direct = Llama31Prompt.render(context);
            assertNotNull(direct, "a plain conversation takes the direct path");
            assertEquals(template.renderTemplate(context), direct, "conversation " + i + ": " + messages);
            assertEquals(direct, template.render(context));
        }
    }

    @Test
    void anythingButAPlainConversationGoesThroughTheTemplate() {
        Map<String, Object> user = Map.of("role", "user", "content", "hi");
        Map<String, Object> withTools = context(List.of(user), true);
        withTools.put("tools", List.of(Map.of("type", "function")));
        assertNull(Llama31Prompt.render(withTools));
        Map<String, Object> kwargs = context(List.of(user), true);
        kwargs.put("date_string", "1 Jan 2025");
        assertNull(Llama31Prompt.render(kwargs));
        assertTrue(template.render(kwargs).contains("Today Date: 1 Jan 2025"), "the template still honours it");
        Map<String, Object> call = new HashMap<>(Map.of("role", "assistant", "content", ""));
        call.put("tool_calls", List.of(Map.of("function", Map.of("name", "f", "arguments", Map.of()))));
        assertNull(Llama31Prompt.render(context(List.of(user, call), true)));
        assertNull(Llama31Prompt.render(context(List.of(user, Map.of("role", "ipython", "content", "42")), true)));
        assertNull(Llama31Prompt.render(context(List.of(user, Map.of("role", "tool", "content", "42")), true)));
        assertNull(Llama31Prompt.render(context(List.of(Map.of("role", "user", "content", List.of("a"))), true)));
        assertNull(Llama31Prompt.render(context(List.of(), true)));
        ChatTemplate other = ChatTemplate.compile("{{ messages[0]['content'] }}");
        assertEquals("hi", other.render(context(List.of(user), true)), "another template is rendered as written");
    }

    private static Map<String, Object> context(List<Map<String, Object>> messages, boolean addGenerationPrompt) {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages);
        context.put("tools", null);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", "<|begin_of_text|>");
        context.put("eos_token", "<|eot_id|>");
        return context;
    }
}
