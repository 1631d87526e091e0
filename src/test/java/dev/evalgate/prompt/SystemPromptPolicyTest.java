package dev.evalgate.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.evalgate.prompt.SystemPromptPolicy.Mode;

/** Which messages the template sees under each system-prompt mode, and what the response header says. */
class SystemPromptPolicyTest {

    static final String DEF = "Be terse.";

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(Mode.IF_ABSENT, DEF, msgs("user:hi"), msgs("system:" + DEF, "user:hi"), "default"),
                Arguments.of(Mode.IF_ABSENT, DEF, msgs("system:mine", "user:hi"), msgs("system:mine", "user:hi"), "client"),
                Arguments.of(Mode.IF_ABSENT, DEF, msgs("developer:mine", "user:hi"), msgs("developer:mine", "user:hi"),
                        "client"),
                Arguments.of(Mode.PREPEND, DEF, msgs("user:hi"), msgs("system:" + DEF, "user:hi"), "default"),
                Arguments.of(Mode.PREPEND, DEF, msgs("system:mine", "user:hi"), msgs("system:" + DEF + "\n\nmine", "user:hi"),
                        "default+client"),
                Arguments.of(Mode.REPLACE, DEF, msgs("system:mine", "user:hi"), msgs("system:" + DEF, "user:hi"), "default"),
                Arguments.of(Mode.REPLACE, DEF, msgs("user:hi", "assistant:yo", "user:ok"),
                        msgs("system:" + DEF, "user:hi", "assistant:yo", "user:ok"), "default"),
                Arguments.of(Mode.OFF, DEF, msgs("user:hi"), msgs("user:hi"), "none"),
                Arguments.of(Mode.OFF, DEF, msgs("system:mine", "user:hi"), msgs("system:mine", "user:hi"), "client"),
                Arguments.of(Mode.IF_ABSENT, "", msgs("user:hi"), msgs("user:hi"), "none"));
    }

    @ParameterizedTest(name = "{0} on {2}")
    @MethodSource("cases")
    void applies(Mode mode, String text, List<Map<String, Object>> in, List<Map<String, Object>> expected, String header) {
        List<Map<String, Object>> original = new ArrayList<>(in);
        SystemPromptPolicy.Applied applied = new SystemPromptPolicy(mode, text).apply(in);
        assertEquals(expected, applied.messages());
        assertEquals(header, applied.systemPrompt());
        assertEquals(original, in, "the client's list is left as it was");
    }

    static List<Map<String, Object>> msgs(String... roleColonContent) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String s : roleColonContent) {
            int i = s.indexOf(':');
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", s.substring(0, i));
            m.put("content", s.substring(i + 1));
            out.add(m);
        }
        return out;
    }
}
