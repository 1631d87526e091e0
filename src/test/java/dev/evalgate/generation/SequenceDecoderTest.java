package dev.evalgate.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.evalgate.engine.GenerationStep;
import dev.evalgate.engine.SamplingParams;

/** Finish reason, stop reason, token count and text of one sequence, from a scripted list of engine steps. */
class SequenceDecoderTest {

    static final GenerationStep EOT = GenerationStep.eot();

    static Stream<Arguments> cases() {
        return Stream.of(
                // name, steps, maxTokens, stops, include, engineEndsStream, text, finish, stopReason, tokens
                Arguments.of("budget spent", steps("a", "b", "c"), 3, List.of(), false, false, "abc", "length", null, 3),
                Arguments.of("engine ends at its budget", steps("a", "b"), 5, List.of(), false, true, "ab", "length", null, 5),
                Arguments.of("end of turn", List.of(t("Hi"), t("!"), EOT), 10, List.of(), false, false, "Hi!", "stop", null, 3),
                Arguments.of("end of turn flushes a held prefix", List.of(t("Hi\n"), EOT), 10, List.of("\n\n"), false,
                        false, "Hi\n", "stop", null, 2),
                Arguments.of("stop inside a token", steps("Hel", "lo\nWorld"), 10, List.of("\n"), false, false, "Hello",
                        "stop", "\n", 2),
                Arguments.of("stop split over tokens", steps("Ans", "wer: A", "\n", "\nmore"), 10, List.of("\n\n"), false,
                        false, "Answer: A", "stop", "\n\n", 4),
                Arguments.of("stop kept when asked", steps("x", "END", "y"), 10, List.of("END"), true, false, "xEND",
                        "stop", "END", 2),
                Arguments.of("stop in the budget's last token", steps("ab", "c."), 2, List.of("."), false, false, "abc",
                        "stop", ".", 2),
                Arguments.of("near miss at the budget is released", steps("a", "b<"), 2, List.of("<stop>"), false, false,
                        "ab<", "length", null, 2),
                Arguments.of("steps after the end are ignored", List.of(t("a"), EOT, t("zzz")), 10, List.of(), false,
                        false, "a", "stop", null, 2),
                Arguments.of("multi-token step", List.of(new GenerationStep("ж", 2, false), t("!")), 3, List.of(),
                        false, false, "ж!", "length", null, 3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodes(String name, List<GenerationStep> steps, int maxTokens, List<String> stops, boolean include,
            boolean engineEndsStream, String text, String finish, String stopReason, int tokens) {
        SequenceDecoder d = new SequenceDecoder(new SamplingParams(0, 1, 0, null, maxTokens, stops, include));
        StringBuilder out = new StringBuilder();
        for (GenerationStep s : steps) {
            out.append(d.accept(s));
        }
        if (engineEndsStream) {
            out.append(d.engineFinished());
        }
        assertEquals(text, out.toString());
        assertEquals(finish, d.finishReason().wire());
        assertEquals(stopReason, d.stopReason());
        assertEquals(tokens, d.completionTokens());
    }

    static GenerationStep t(String text) {
        return GenerationStep.text(text);
    }

    static List<GenerationStep> steps(String... texts) {
        List<GenerationStep> out = new ArrayList<>();
        for (String s : texts) {
            out.add(t(s));
        }
        return out;
    }
}
