package dev.evalgate.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table and property tests for cutting streamed text at stop strings. */
class StopSequenceMatcherTest {

    private static final List<String> FIFTY_STOPS =
            IntStream.range(0, 50).mapToObj(i -> String.format("stop%02d", i)).collect(Collectors.toList());

    /** name, stops, includeStopInOutput, pieces, expected output per append, expected flush, expected matched stop. */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("stop split across chunks", List.of("</s>"), false,
                        List.of("Hello <", "/", "s", "> tail"), List.of("Hello ", "", "", ""), "", "</s>"),
                Arguments.of("stop split across chunks, included", List.of("</s>"), true,
                        List.of("Hello <", "/", "s", "> tail"), List.of("Hello ", "", "", "</s>"), "", "</s>"),
                Arguments.of("prefix that turns out not to be a stop", List.of("</s>"), false,
                        List.of("a <", "/x", "y"), List.of("a ", "</x", "y"), "", null),
                Arguments.of("stop at the very start", List.of("Hi"), false,
                        List.of("Hi there"), List.of(""), "", "Hi"),
                Arguments.of("stop at the very start, included", List.of("Hi"), true,
                        List.of("Hi there"), List.of("Hi"), "", "Hi"),
                Arguments.of("overlapping ab/bc: ab ends first", List.of("bc", "ab"), false,
                        List.of("x", "a", "b", "c"), List.of("x", "", "", ""), "", "ab"),
                Arguments.of("overlapping ab/bc, included", List.of("ab", "bc"), true,
                        List.of("xabc"), List.of("xab"), "", "ab"),
                Arguments.of("short stop inside a longer one ends first", List.of("abcd", "bc"), false,
                        List.of("ab", "cd"), List.of("", "a"), "", "bc"),
                Arguments.of("same end: the longer (earlier start) wins", List.of("bc", "abc"), false,
                        List.of("xab", "cd"), List.of("x", ""), "", "abc"),
                Arguments.of("stop that is a prefix of another", List.of("ab", "a"), false,
                        List.of("xaby"), List.of("x"), "", "a"),
                Arguments.of("repeated near-misses", List.of("ab"), false,
                        List.of("a", "a", "a", "b"), List.of("", "a", "a", ""), "", "ab"),
                Arguments.of("self-overlapping near-miss", List.of("abcabd"), false,
                        List.of("abcab", "cab", "d!"), List.of("", "abc", ""), "", "abcabd"),
                Arguments.of("fifty stops", FIFTY_STOPS, false,
                        List.of("we st", "op then st", "op4", "2 here"),
                        List.of("we ", "stop then ", "", ""), "", "stop42"),
                Arguments.of("fifty stops, none matches", FIFTY_STOPS, false,
                        List.of("stop4", "x stop"), List.of("", "stop4x "), "stop", null),
                Arguments.of("no stops: pass-through", List.of(), false,
                        List.of("abc", "", "def"), List.of("abc", "", "def"), "", null),
                Arguments.of("emoji stop split inside the surrogate pair", List.of("😀"), false,
                        List.of("hi \uD83D", "\uDE00 bye"), List.of("hi ", ""), "", "😀"),
                Arguments.of("emoji sharing the high surrogate of a stop", List.of("😀"), false,
                        List.of("a\uD83D", "\uDE01b"), List.of("a", "😁b"), "", null),
                Arguments.of("pair split by the caller is never split on output", List.of("x"), false,
                        List.of("ab\uD83D", "\uDE00c"), List.of("ab", "😀c"), "", null),
                Arguments.of("emoji inside a multi-char stop", List.of("<😀>"), true,
                        List.of("ok<", "\uD83D", "\uDE00", ">rest"), List.of("ok", "", "", "<😀>"), "", "<😀>"),
                Arguments.of("flush releases a held prefix", List.of("</s>"), false,
                        List.of("end </"), List.of("end "), "</", null),
                Arguments.of("text after the stop is dropped", List.of("\n\n"), false,
                        List.of("line1\n\nline2", "more"), List.of("line1", ""), "", "\n\n"),
                Arguments.of("chars that cannot start a stop go out at once", List.of("STOP"), false,
                        List.of("abc", "S", "x"), List.of("abc", "", "Sx"), "", null),
                Arguments.of("chat end token across many pieces, included", List.of("<|im_end|>"), true,
                        List.of("ok<|", "im", "_", "end", "|>junk"), List.of("ok", "", "", "", "<|im_end|>"), "",
                        "<|im_end|>"),
                Arguments.of("earliest end wins over list order", List.of("world", "lo w"), false,
                        List.of("hello world"), List.of("hel"), "", "lo w"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void cutsAtStops(String name, List<String> stops, boolean include, List<String> pieces, List<String> expected,
            String expectedFlush, String expectedStop) {
        StopSequenceMatcher matcher = new StopSequenceMatcher(stops, include);
        List<String> actual = new ArrayList<>();
        for (String piece : pieces) {
            actual.add(matcher.append(piece));
        }
        assertEquals(expected, actual);
        assertEquals(expectedFlush, matcher.flush());
        assertEquals(expectedStop, matcher.matchedStop());
        assertEquals(expectedStop != null, matcher.stopped());
        if (expectedStop != null) {
            assertEquals("", matcher.append("more text"), "after a stop every append returns empty");
        }
    }

    @Test
    void emptyStopIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new StopSequenceMatcher(List.of("a", ""), false));
    }

    @Test
    void hundredsOfStopsWithSharedPrefixes() {
        List<String> stops = IntStream.range(0, 300).mapToObj(i -> "<tag" + i + ">").collect(Collectors.toList());
        StopSequenceMatcher matcher = new StopSequenceMatcher(stops, false);
        StringBuilder out = new StringBuilder();
        for (char c : "a <tag1 <tag29 <tag299x <tag2999> <tag123> tail".toCharArray()) {
            out.append(matcher.append(String.valueOf(c)));
        }
        assertEquals("a <tag1 <tag29 <tag299x <tag2999> ", out.toString());
        assertEquals("<tag123>", matcher.matchedStop());
    }

    @Test
    void streamingEqualsOneShotForRandomTextsStopsAndSplits() {
        Random random = new Random(7_2024L);
        String[] alphabet = {"a", "b", "c", " ", "😀", "😁"};
        int[] stopCounts = {1, 2, 3, 5, 50};
        int matched = 0;
        for (int iteration = 0; iteration < 400; iteration++) {
            List<String> stops = new ArrayList<>();
            int count = stopCounts[random.nextInt(stopCounts.length)];
            for (int i = 0; i < count; i++) {
                stops.add(randomText(random, alphabet, 1 + random.nextInt(4)));
            }
            String text = randomText(random, alphabet, random.nextInt(40));
            boolean include = random.nextBoolean();
            int[] cut = referenceCut(text, stops);
            String expected = cut == null ? text : text.substring(0, include ? cut[1] : cut[0]);
            String expectedStop = cut == null ? null : text.substring(cut[0], cut[1]);
            if (cut != null) {
                matched++;
            }
            int maxStop = stops.stream().mapToInt(String::length).max().orElse(0);

            for (int split = 0; split < 4; split++) {
                StopSequenceMatcher matcher = new StopSequenceMatcher(stops, include);
                StringBuilder emitted = new StringBuilder();
                int from = 0;
                while (from < text.length()) {
                    int to = Math.min(text.length(), from + 1 + random.nextInt(6));
                    String out = matcher.append(text.substring(from, to));
                    assertWellFormed(out, text, stops);
                    emitted.append(out);
                    from = to;
                    String sofar = emitted.toString();
                    assertTrue(expected.startsWith(sofar), () -> "emitted " + sofar + " beyond " + expected);
                    if (!matcher.stopped()) {
                        // Holds back exactly the longest stop prefix (plus a dangling high surrogate), no more.
                        assertEquals(minimalEmit(text.substring(0, to), stops), sofar.length(),
                                () -> "hold-back for " + stops + " on " + text);
                        assertTrue(to - sofar.length() <= Math.max(1, maxStop - 1));
                    }
                }
                emitted.append(matcher.flush());
                final int splitNo = split;
                assertEquals(expected, emitted.toString(),
                        () -> "stops=" + stops + " text=" + text + " include=" + include + " split#" + splitNo);
                assertEquals(expectedStop, matcher.matchedStop());
            }
        }
        assertTrue(matched > 100 && matched < 390, "random cases must exercise both outcomes, matched=" + matched);
    }

    /** [start, end) of the stop that completes first (longest on a tie), or null; deliberately naive. */
    private static int[] referenceCut(String text, List<String> stops) {
        for (int end = 1; end <= text.length(); end++) {
            int best = -1;
            for (String stop : stops) {
                if (stop.length() <= end && text.startsWith(stop, end - stop.length())) {
                    best = Math.max(best, stop.length());
                }
            }
            if (best > 0) {
                return new int[] {end - best, end};
            }
        }
        return null;
    }

    private static int minimalEmit(String fed, List<String> stops) {
        int hold = 0;
        for (String stop : stops) {
            for (int len = Math.min(stop.length() - 1, fed.length()); len > hold; len--) {
                if (fed.endsWith(stop.substring(0, len))) {
                    hold = len;
                    break;
                }
            }
        }
        int emit = fed.length() - hold;
        if (emit > 0 && Character.isHighSurrogate(fed.charAt(emit - 1))) {
            emit--;
        }
        return emit;
    }

    private static void assertWellFormed(String out, String text, List<String> stops) {
        for (int i = 0; i < out.length(); i++) {
            char c = out.charAt(i);
            boolean paired = Character.isHighSurrogate(c)
                    ? i + 1 < out.length() && Character.isLowSurrogate(out.charAt(i + 1))
                    : !Character.isLowSurrogate(c) || i > 0 && Character.isHighSurrogate(out.charAt(i - 1));
            assertTrue(paired, () -> "split surrogate pair in '" + out + "' for " + stops + " on " + text);
        }
    }

    private static String randomText(Random random, String[] alphabet, int codePoints) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            sb.append(alphabet[random.nextInt(alphabet.length)]);
        }
        return sb.toString();
    }

    @Test
    void noStopsFlushIsEmpty() {
        StopSequenceMatcher matcher = new StopSequenceMatcher(List.of(), true);
        assertEquals("x", matcher.append("x"));
        assertFalse(matcher.stopped());
        assertNull(matcher.matchedStop());
        assertEquals("", matcher.flush());
    }
}
