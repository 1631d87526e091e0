package dev.evalgate.prompt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides which system prompt the model sees: the configured default, the client's own, both, or none; and says
 * which it applied, so every response can show it.
 */
public final class SystemPromptPolicy {

    /** The system prompt of MERA's reference Llama 3.1 submissions. */
    public static final String MERA_SYSTEM_PROMPT = "Реши задачу по инструкции ниже. Не давай никаких объяснений и пояснений к своему ответу. "
            + "Не пиши ничего лишнего. Пиши только то, что указано в инструкции. Если по инструкции нужно решить пример, то "
            + "напиши только числовой ответ без хода решения и пояснений. Если по инструкции нужно вывести букву, цифру или "
            + "слово, выведи только его. Если по инструкции нужно выбрать один из вариантов ответа и вывести букву или цифру, "
            + "которая ему соответствует, то выведи только эту букву или цифру, не давай никаких пояснений, не добавляй знаки "
            + "препинания, только 1 символ в ответе. Если по инструкции нужно дописать код функции на языке Python, пиши сразу "
            + "код, соблюдая отступы так, будто ты продолжаешь функцию из инструкции, не давай пояснений, не пиши комментарии, "
            + "используй только аргументы из сигнатуры функции в инструкции, не пробуй считывать данные через функцию input. "
            + "Не извиняйся, не строй диалог. Выдавай только ответ и ничего больше.";

    /** How the configured system prompt meets the client's messages. */
    public enum Mode {
        /** Add the default when the request has no system message. */
        IF_ABSENT,
        /** Always put the default first; a client system message follows it in the same system turn. */
        PREPEND,
        /** Use the default instead of any client system message. */
        REPLACE,
        /** Leave the messages as the client sent them. */
        OFF
    }

    /** Which system prompt was applied: {@code default}, {@code client}, {@code default+client} or {@code none}. */
    public record Applied(List<Map<String, Object>> messages, String systemPrompt) {
    }

    private final Mode mode;
    private final String text;

    public SystemPromptPolicy(Mode mode, String text) {
        this.mode = text == null || text.isEmpty() ? Mode.OFF : mode;
        this.text = text;
    }

    public Mode mode() {
        return mode;
    }

    public String text() {
        return text;
    }

    /** Returns the messages to render (the input list is not changed). */
    public Applied apply(List<Map<String, Object>> messages) {
        boolean clientHasSystem = !messages.isEmpty() && isSystem(messages.get(0));
        switch (mode) {
            case OFF:
                return new Applied(messages, clientHasSystem ? "client" : "none");
            case IF_ABSENT:
                if (clientHasSystem || messages.stream().anyMatch(SystemPromptPolicy::isSystem)) {
                    return new Applied(messages, "client");
                }
                return new Applied(withFirst(system(text), messages), "default");
            case PREPEND:
                if (!clientHasSystem) {
                    return new Applied(withFirst(system(text), messages), "default");
                }
                Map<String, Object> merged = new LinkedHashMap<>(messages.get(0));
                Object clientText = merged.get("content");
                merged.put("content", clientText == null ? text : text + "\n\n" + clientText);
                return new Applied(withFirst(merged, messages.subList(1, messages.size())), "default+client");
            case REPLACE:
            default:
                List<Map<String, Object>> rest = new ArrayList<>(messages.size());
                for (Map<String, Object> m : messages) {
                    if (!isSystem(m)) {
                        rest.add(m);
                    }
                }
                return new Applied(withFirst(system(text), rest), "default");
        }
    }

    private static boolean isSystem(Map<String, Object> message) {
        Object role = message.get("role");
        return "system".equals(role) || "developer".equals(role);
    }

    private static Map<String, Object> system(String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", "system");
        m.put("content", text);
        return m;
    }

    private static List<Map<String, Object>> withFirst(Map<String, Object> first, List<Map<String, Object>> rest) {
        List<Map<String, Object>> out = new ArrayList<>(rest.size() + 1);
        out.add(first);
        out.addAll(rest);
        return out;
    }
}
