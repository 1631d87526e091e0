package dev.evalgate.scoring.mera;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * Builds the {@link GoldRow}s and answers the scoring tests feed in, and reads the MERA sample files kept in
 * {@code src/test/resources/mera-samples} (its README names their source).
 */
final class GoldRows {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final String SAMPLES = "/mera-samples/";

    private GoldRows() {
    }

    static GoldRow row(String task, String id, JsonNode outputs, ObjectNode meta) {
        meta.put("id", id);
        return new GoldRow(task, id, "", JsonNodeFactory.instance.objectNode(), outputs, meta);
    }

    static GoldRow row(String task, String id, String outputs) {
        return row(task, id, TextNode.valueOf(outputs), meta());
    }

    static ObjectNode meta() {
        return JsonNodeFactory.instance.objectNode();
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ScoredAnswer answer(GoldRow gold, String text) {
        return new ScoredAnswer(gold, TextNode.valueOf(text));
    }

    /** The lines of one file of the test classpath's mera-samples, as JSON. */
    static List<JsonNode> sample(String file) {
        try (InputStream in = GoldRows.class.getResourceAsStream(SAMPLES + file)) {
            if (in == null) {
                throw new IllegalArgumentException("no " + SAMPLES + file + " on the test classpath");
            }
            List<JsonNode> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    rows.add(JSON.readTree(line));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
