package dev.evalgate.engine.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.vertx.core.buffer.Buffer;

/**
 * An upstream's SSE body arrives in TCP pieces cut anywhere: the events read from it must not depend on where, even
 * when a cut falls inside a multi-byte character (a broken one would reach the client as U+FFFD).
 */
class SseEventReaderTest {

    static Stream<Arguments> bodies() {
        return Stream.of(
                Arguments.of("one event, LF", "data: {\"a\":1}\n\n", List.of("{\"a\":1}")),
                Arguments.of("CRLF line ends", "data: {\"a\":1}\r\n\r\ndata: [DONE]\r\n\r\n",
                        List.of("{\"a\":1}", "[DONE]")),
                Arguments.of("Cyrillic, CJK and an emoji (2, 3 and 4 bytes)",
                        "data: {\"text\":\"Привет, 世界 😀\"}\n\ndata: {\"text\":\"ё\"}\n\n",
                        List.of("{\"text\":\"Привет, 世界 😀\"}", "{\"text\":\"ё\"}")),
                Arguments.of("multi-line data joined by newlines", "data: first\ndata: second\ndata:third\n\n",
                        List.of("first\nsecond\nthird")),
                Arguments.of("comments and other fields skipped",
                        ": keep-alive\n\nevent: message\nid: 7\nretry: 10\ndata: x\n: a comment inside\n\n",
                        List.of("x")),
                Arguments.of("no space after the colon", "data:{\"b\":2}\n\n", List.of("{\"b\":2}")),
                Arguments.of("only the first space is dropped", "data:  two\n\n", List.of(" two")),
                Arguments.of("empty data is an event", "data:\n\n", List.of("")),
                Arguments.of("an unfinished event is not read", "data: 1\n\ndata: 2\n", List.of("1")),
                Arguments.of("several blank lines between events", "data: 1\n\n\n\r\n\ndata: 2\n\n",
                        List.of("1", "2")));
    }

    @ParameterizedTest(name = "{0}: split at every byte")
    @MethodSource("bodies")
    void theSameEventsWhereverTheBodyIsSplit(String name, String body, List<String> expected) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        assertEquals(expected, read(List.of(bytes)), "whole");
        for (int at = 0; at <= bytes.length; at++) {
            assertEquals(expected, read(List.of(Arrays.copyOfRange(bytes, 0, at),
                    Arrays.copyOfRange(bytes, at, bytes.length))), "split at byte " + at);
        }
        List<byte[]> single = new ArrayList<>();
        for (byte b : bytes) {
            single.add(new byte[] {b});
        }
        assertEquals(expected, read(single), "byte by byte");
    }

    private static List<String> read(List<byte[]> pieces) {
        SseEventReader reader = new SseEventReader();
        List<String> events = new ArrayList<>();
        for (byte[] piece : pieces) {
            events.addAll(reader.feed(Buffer.buffer(piece)));
        }
        return events;
    }
}
