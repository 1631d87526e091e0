package dev.evalgate.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A parsed SSE body as a test sees it: the JSON events and whether it ended with {@code data: [DONE]}. */
record SseStream(List<JsonNode> events, boolean done) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Parses strictly: every event must be exactly {@code data: <json>\n\n}, and nothing may follow [DONE]. */
    static SseStream parse(String body) {
        List<JsonNode> events = new ArrayList<>();
        boolean done = false;
        String[] parts = body.split("\n\n", -1);
        if (!parts[parts.length - 1].isEmpty()) {
            throw new AssertionError("stream does not end with a blank line: " + body);
        }
        for (int i = 0; i < parts.length - 1; i++) {
            String event = parts[i];
            if (done) {
                throw new AssertionError("event after [DONE]: " + event);
            }
            if (!event.startsWith("data: ") || event.contains("\n")) {
                throw new AssertionError("not a single data line: " + event);
            }
            String data = event.substring("data: ".length());
            if (data.equals("[DONE]")) {
                done = true;
                continue;
            }
            try {
                events.add(MAPPER.readTree(data));
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + data, e);
            }
        }
        return new SseStream(events, done);
    }

    /** The concatenated content deltas of choice {@code index}. */
    String content(int index) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode e : events) {
            for (JsonNode c : e.path("choices")) {
                if (c.path("index").asInt() == index && c.path("delta").hasNonNull("content")) {
                    sb.append(c.path("delta").path("content").asText());
                }
            }
        }
        return sb.toString();
    }

    /** The choice object that carried a finish_reason for {@code index}. */
    JsonNode finishChoice(int index) {
        JsonNode found = null;
        for (JsonNode e : events) {
            for (JsonNode c : e.path("choices")) {
                if (c.path("index").asInt() == index && c.hasNonNull("finish_reason")) {
                    if (found != null) {
                        throw new AssertionError("finish_reason sent twice for choice " + index);
                    }
                    found = c;
                }
            }
        }
        return found;
    }
}
