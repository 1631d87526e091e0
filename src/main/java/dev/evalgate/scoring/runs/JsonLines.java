package dev.evalgate.scoring.runs;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.MalformedInputException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads a JSON Lines file a value per line, blank lines skipped; errors name the file and the line. */
final class JsonLines {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Handles one line's value. */
    interface LineHandler {
        void accept(int line, JsonNode value);
    }

    private JsonLines() {
    }

    static void read(String fileName, BufferedReader reader, LineHandler handler) {
        try {
            String text;
            int n = 0;
            while ((text = reader.readLine()) != null) {
                n++;
                if (text.isBlank()) {
                    continue;
                }
                JsonNode value;
                try {
                    value = MAPPER.readTree(text);
                } catch (IOException e) {
                    throw new GoldFormatException(fileName, n, "not valid JSON");
                }
                handler.accept(n, value);
            }
        } catch (MalformedInputException e) {
            throw new GoldFormatException(fileName, 0, "not UTF-8 text");
        } catch (IOException e) {
            throw new GoldFormatException(fileName, 0, e.getMessage());
        }
    }
}
