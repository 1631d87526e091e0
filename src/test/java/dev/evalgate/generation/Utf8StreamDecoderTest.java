package dev.evalgate.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table and property tests for streaming UTF-8 decoding of token byte pieces. */
class Utf8StreamDecoderTest {

    private static final String R = "\uFFFD";

    /**
     * pieces: hex bytes, pieces separated by '|'; expected: one output per append.
     * Expected strings with U+FFFD were checked against Python's bytes.decode("utf-8", "replace") of all the bytes:
     * {@code src/test/python/expected_values.py Utf8StreamDecoderTest} prints it for every case.
     */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("ascii", "68 69", List.of("hi"), ""),
                Arguments.of("cyrillic split inside chars", "D0|9F D1|80 D0 B8 D0|B2 D0 B5 D1 82",
                        List.of("", "П", "ри", "вет"), ""),
                Arguments.of("cjk 3-byte split 1+1+1", "E4|B8|AD E6|96 87", List.of("", "", "中", "文"), ""),
                Arguments.of("emoji split 1+1+1+1", "F0|9F|98|80", List.of("", "", "", "😀"), ""),
                Arguments.of("emoji between ascii", "61 F0 9F|98 80 62", List.of("a", "😀b"), ""),
                Arguments.of("two-byte split", "C3|A9", List.of("", "é"), ""),
                Arguments.of("empty piece keeps state", "C3||A9", List.of("", "", "é"), ""),
                Arguments.of("max code point split 2+2", "F4 8F|BF BF", List.of("", "\uDBFF\uDFFF"), ""),
                Arguments.of("stray continuation", "61 80 62", List.of("a" + R + "b"), ""),
                Arguments.of("truncated then ascii", "E2 82|41", List.of("", R + "A"), ""),
                Arguments.of("truncated at end", "E2 82", List.of(""), R),
                Arguments.of("truncated 4-byte at end", "F0 9F 98", List.of(""), R),
                Arguments.of("truncated 2-byte at end", "61 C2", List.of("a"), R),
                Arguments.of("overlong 2-byte", "C0 AF", List.of(R + R), ""),
                Arguments.of("overlong 3-byte", "E0 80 AF", List.of(R + R + R), ""),
                Arguments.of("overlong 4-byte", "F0 80 80 80", List.of(R + R + R + R), ""),
                Arguments.of("encoded surrogate (Python: one per byte)", "ED A0 80", List.of(R + R + R), ""),
                Arguments.of("surrogate lead then ascii", "ED A0|41", List.of(R + R, "A"), ""),
                Arguments.of("beyond U+10FFFF", "F4 90 80 80", List.of(R + R + R + R), ""),
                Arguments.of("F5 and FF never valid", "F5 61 FF", List.of(R + "a" + R), ""),
                Arguments.of("lead interrupted by lead", "E2|C3 A9", List.of("", R + "é"), ""),
                Arguments.of("truncated 4-byte then full emoji", "F0 9F|F0 9F 98|80", List.of("", R, "😀"), ""),
                Arguments.of("last code point before surrogates", "ED 9F BF", List.of("\uD7FF"), ""),
                Arguments.of("BOM is kept", "EF BB BF", List.of("\uFEFF"), ""),
                Arguments.of("mixed invalid and valid", "80 80 E0 A0|80 C3", List.of(R + R, "\u0800"), R));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodesPieces(String name, String hexPieces, List<String> expected, String expectedFlush) {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        List<String> actual = new ArrayList<>();
        for (String piece : hexPieces.split("\\|", -1)) {
            actual.add(decoder.append(hex(piece)));
        }
        assertEquals(expected, actual);
        assertEquals(expectedFlush, decoder.flush());
        assertEquals("", decoder.flush(), "flush drains the held bytes");
    }

    @Test
    void streamingEqualsOneShotForRandomSplits() {
        Random random = new Random(20240611L);
        int comparedWithJdk = 0;
        for (int iteration = 0; iteration < 600; iteration++) {
            byte[] all = randomBytes(random);
            String expected = decodeWhole(all);
            if (!hasEncodedSurrogate(all)) {
                // The JDK folds ED A0..BF xx into one U+FFFD, Python gives one per byte; elsewhere they agree.
                assertEquals(new String(all, StandardCharsets.UTF_8), expected, () -> "one-shot " + hexOf(all));
                comparedWithJdk++;
            }
            for (int split = 0; split < 5; split++) {
                Utf8StreamDecoder decoder = new Utf8StreamDecoder();
                StringBuilder streamed = new StringBuilder();
                int from = 0;
                while (from < all.length) {
                    int to = Math.min(all.length, from + random.nextInt(5));
                    byte[] piece = java.util.Arrays.copyOfRange(all, from, to);
                    String out = decoder.append(piece);
                    assertFalse(!out.isEmpty() && Character.isHighSurrogate(out.charAt(out.length() - 1)),
                            "never ends a piece with half a surrogate pair");
                    streamed.append(out);
                    from = to;
                }
                streamed.append(decoder.flush());
                assertEquals(expected, streamed.toString(), () -> "split of " + hexOf(all));
            }
        }
        assertFalse(comparedWithJdk < 300, "the JDK comparison must cover most samples");
    }

    private static String decodeWhole(byte[] all) {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        return decoder.append(all) + decoder.flush();
    }

    private static byte[] randomBytes(Random random) {
        int[] odd = {0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x41};
        int[] codePoints = {'a', 'z', 0xE9, 0x41F, 0x7FF, 0x800, 0x4E2D, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF,
            0x10000, 0x1F600, 0x10FFFF};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int segments = random.nextInt(12);
        for (int i = 0; i < segments; i++) {
            int kind = random.nextInt(10);
            if (kind < 5) {
                bytes.writeBytes(new String(Character.toChars(codePoints[random.nextInt(codePoints.length)]))
                        .getBytes(StandardCharsets.UTF_8));
            } else if (kind < 8) {
                bytes.write(odd[random.nextInt(odd.length)]);
            } else {
                byte[] encoded = new String(Character.toChars(codePoints[random.nextInt(codePoints.length)]))
                        .getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, Math.max(1, random.nextInt(encoded.length)));
            }
        }
        return bytes.toByteArray();
    }

    private static boolean hasEncodedSurrogate(byte[] all) {
        return IntStream.range(0, all.length - 1)
                .anyMatch(i -> (all[i] & 0xFF) == 0xED && (all[i + 1] & 0xFF) >= 0xA0 && (all[i + 1] & 0xFF) <= 0xBF);
    }

    private static byte[] hex(String piece) {
        String trimmed = piece.trim();
        if (trimmed.isEmpty()) {
            return new byte[0];
        }
        String[] parts = trimmed.split("\\s+");
        byte[] out = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return out;
    }

    private static String hexOf(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            sb.append(String.format("%02X ", b & 0xFF));
        }
        return sb.toString().trim();
    }
}
