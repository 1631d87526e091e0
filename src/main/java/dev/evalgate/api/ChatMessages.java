package dev.evalgate.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/** OpenAI chat messages as the chat template sees them: plain maps, content as one string. */
final class ChatMessages {

    private ChatMessages() {
    }

    /**
     * Checks each message and joins text content parts with a newline, as vLLM does for string templates; the count
     * of messages and of their characters within the limits.
     */
    static List<Map<String, Object>> normalize(List<JsonNode> raw, RequestLimits limits) {
        if (raw == null || raw.isEmpty()) {
            throw ApiException.badRequest("messages", "`messages` is required and must contain at least one message.");
        }
        limits.messages(raw);
        int chars = 0;
        List<Map<String, Object>> out = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            JsonNode m = raw.get(i);
            if (m == null || !m.isObject()) {
                throw ApiException.badRequest("messages", "messages[" + i + "] must be an object.");
            }
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual()) {
                throw ApiException.badRequest("messages", "messages[" + i + "].role is required and must be a string.");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> message = (Map<String, Object>) plain(m);
            String content = content(m.get("content"), i);
            chars = limits.promptChars(chars, content == null ? 0 : content.length(), "messages");
            message.put("content", content);
            out.add(message);
        }
        return out;
    }

    /**
     * A JSON value as the template sees it: maps, lists, strings, numbers, booleans, null. Written out rather than
     * through {@code ObjectMapper.convertValue}, which buffers every value as tokens first and was a tenth of a
     * request's preparation.
     */
    static Object plain(JsonNode node) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                node.fields().forEachRemaining(e -> map.put(e.getKey(), plain(e.getValue())));
                return map;
            }
            case ARRAY -> {
                List<Object> list = new ArrayList<>(node.size());
                node.forEach(v -> list.add(plain(v)));
                return list;
            }
            case STRING -> {
                return node.textValue();
            }
            case NUMBER -> {
                return node.numberValue();
            }
            case BOOLEAN -> {
                return node.booleanValue();
            }
            default -> {
                return null;
            }
        }
    }

    private static String content(JsonNode content, int i) {
        if (content == null || content.isNull()) {
            return null;
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : content) {
                JsonNode type = part.get("type");
                JsonNode text = part.get("text");
                if (type == null || !"text".equals(type.asText()) || text == null || !text.isTextual()) {
                    throw ApiException.badRequest("messages", "messages[" + i + "].content: only text parts ("
                            + "{\"type\": \"text\", \"text\": ...}) are supported by this model.");
                }
                if (sb.length() > 0) {
                    sb.append('\n');
                }
                sb.append(text.asText());
            }
            return sb.toString();
        }
        throw ApiException.badRequest("messages",
                "messages[" + i + "].content must be a string or a list of content parts.");
    }
}
