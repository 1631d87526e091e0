package dev.evalgate.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

import dev.evalgate.generation.StopSequenceMatcher;

/** Cost per token of StopSequenceMatcher.append with 0, 1, 5 and 64 stop strings, against a plain StringBuilder.append. */
// No @State on the class: JMH expands a @Param only for the benchmarks whose states declare it, so the baseline,
// which does not depend on the stop list, runs once instead of once per list.
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class StopStringMatching {

    /** MERA's code tasks (ruHumanEval, ruCodeEval). */
    private static final List<String> CODE_STOPS = List.of("\nclass", "\ndef", "\n#", "\nif", "\nprint");

    /** The token stream as text deltas, plus the buffer the baseline copies them into. */
    @State(Scope.Thread)
    public static class Stream {
        String[] texts;
        String text;
        StringBuilder appended;

        @Setup
        public void setUp() {
            List<String> list = TokenStream.texts(TokenStream.TOKENS);
            texts = list.toArray(new String[0]);
            text = TokenStream.joined(list);
            appended = new StringBuilder();
        }
    }

    /** One choice's matcher over a stop list of the given size. */
    @State(Scope.Thread)
    public static class Matcher {

        /** 0: no stop; 1: MERA's ["\n"]; 5: the code-task stops; 64: random stops that often half-match the text. */
        @Param({"0", "1", "5", "64"})
        public int stops;

        // Built once: the measured cost is the per-token append, not the automaton's construction (once per choice).
        // It can be fed the stream forever because no stop ever completes in it (checked in setUp and tearDown).
        StopSequenceMatcher matcher;

        @Setup
        public void setUp(Stream stream) {
            List<String> stopList = switch (stops) {
                case 0 -> List.of();
                case 1 -> List.of("\n");
                case 5 -> CODE_STOPS;
                case 64 -> randomStops(64, stream.text);
                default -> throw new IllegalArgumentException("no stop list of size " + stops);
            };
            StopSequenceMatcher check = new StopSequenceMatcher(stopList, false);
            check.append(stream.text);
            check.append(stream.text);
            if (check.stopped()) {
                throw new IllegalStateException("stop " + check.matchedStop() + " fires in the token stream");
            }
            matcher = new StopSequenceMatcher(stopList, false);
        }

        @TearDown
        public void tearDown() {
            if (matcher.stopped()) {
                throw new IllegalStateException("a stop fired: the measurement covered the no-op path");
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(TokenStream.TOKENS)
    public void stopSequenceMatcher(Stream stream, Matcher m, Blackhole bh) {
        StopSequenceMatcher matcher = m.matcher;
        for (String text : stream.texts) {
            bh.consume(matcher.append(text));
        }
    }

    /** What emitting the text costs with no matching at all: one copy into a buffer. */
    @Benchmark
    @OperationsPerInvocation(TokenStream.TOKENS)
    public void baselineStringBuilder(Stream stream, Blackhole bh) {
        StringBuilder appended = stream.appended;
        appended.setLength(0);
        for (String text : stream.texts) {
            bh.consume(appended.append(text));
        }
    }

    // Drawn from the text's own letters so that their first characters keep matching and the matcher has to hold
    // text back and release it, the expensive path; none may occur in the stream, even across its wrap-around.
    private static List<String> randomStops(int count, String text) {
        String twice = text + text;
        int[] alphabet = text.codePoints().filter(Character::isLetter).distinct().toArray();
        Random random = new Random(7);
        List<String> stops = new ArrayList<>(count);
        while (stops.size() < count) {
            StringBuilder stop = new StringBuilder();
            int length = 3 + random.nextInt(10);
            for (int i = 0; i < length; i++) {
                stop.appendCodePoint(i > 0 && random.nextInt(5) == 0 ? ' ' : alphabet[random.nextInt(alphabet.length)]);
            }
            String candidate = stop.toString();
            if (!twice.contains(candidate) && !stops.contains(candidate)) {
                stops.add(candidate);
            }
        }
        return stops;
    }
}
