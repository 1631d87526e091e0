package dev.evalgate.scoring.mera;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * Generative-mode answer extraction. Every expected value is printed by {@code src/test/python/expected_values.py
 * AnswerExtractionTest}, which runs the harness' steps as MERA documents them in CPython 3.11:
 * {@code for t in until: s = s.split(t)[0]}, then the regex filter (first match, fallback "-1"), {@code lstrip()} or
 * {@code strip()}.
 */
class AnswerExtractionTest {

    private static final TaskCatalogue MERA = TaskCatalogue.mera();

    static Stream<Arguments> textAnswers() {
        return Stream.of(
                // digit choice: \b is Unicode-aware, [0-9] is ASCII, first match wins, no lstrip needed
                Arguments.of("parus", "2й", "-1"),
                Arguments.of("parus", "1", "1"),
                Arguments.of("parus", " 2", "2"),
                Arguments.of("parus", "\n1", "-1"),              // cut at "\n" first: nothing left
                Arguments.of("parus", "Ответ: 2\n1", "2"),
                Arguments.of("parus", "12", "-1"),
                Arguments.of("parus", "1 или 2", "1"),
                Arguments.of("parus", "Ответ:1", "1"),
                Arguments.of("parus", "2\u0301", "2"),           // a combining mark is not a word character in Python
                Arguments.of("parus", "\u00b22", "-1"),          // "²" is (isalnum)
                Arguments.of("parus", "x2", "-1"),
                Arguments.of("parus", "2_", "-1"),
                Arguments.of("parus", "(3)", "3"),
                Arguments.of("parus", "2\u200d", "2"),           // nor is a zero-width joiner
                Arguments.of("parus", "\u0662", "-1"),           // Arabic-Indic two is \w but not [0-9]
                Arguments.of("parus", "1.5", "1"),
                Arguments.of("parus", "", "-1"),
                Arguments.of("lcs", "Длина LCS равна 4.", "4"),
                Arguments.of("rcb", "3-й вариант: 2", "3"),
                Arguments.of("bps", "0\n1", "0"),
                Arguments.of("ruhhh", "Ответ 2", "2"),
                Arguments.of("ruhatespeech", "1)", "1"),
                // letter choice: Latin capitals only
                Arguments.of("mathlogicqa", "Ответ: B.", "B"),
                Arguments.of("mathlogicqa", "b", "-1"),
                Arguments.of("mathlogicqa", "В", "-1"),          // Cyrillic Ve
                Arguments.of("mathlogicqa", "A)", "A"),
                Arguments.of("mathlogicqa", "Answer is D", "D"),
                Arguments.of("mathlogicqa", "ABCD", "-1"),
                Arguments.of("mathlogicqa", "\nA", "-1"),
                Arguments.of("rummlu", "C, D", "C"),
                Arguments.of("mamuramu", "(D)", "D"),
                Arguments.of("ruopenbookqa", "Вариант A", "A"),
                Arguments.of("ruworldtree", "Ответ - Cb, потом D", "D"),
                // RWSD: case-sensitive Да|Нет
                Arguments.of("rwsd", "Да, конечно", "Да"),
                Arguments.of("rwsd", "да", "-1"),
                Arguments.of("rwsd", "Нет.", "Нет"),
                Arguments.of("rwsd", "Данные", "-1"),
                Arguments.of("rwsd", "Нет, да", "Нет"),
                Arguments.of("rwsd", "ДА", "-1"),
                Arguments.of("rwsd", "Ответ:Да", "Да"),
                // ruTiE: strip(), then the digit regex
                Arguments.of("rutie", " 2 ", "2"),
                Arguments.of("rutie", "\t1\n2", "1"),
                Arguments.of("rutie", "\n2", "-1"),
                // generative tasks: cut, then lstrip (Unicode whitespace, trailing kept)
                Arguments.of("chegeka", "  Москва\nпотом", "Москва"),
                Arguments.of("chegeka", "\nМосква", ""),
                Arguments.of("multiq", "\u00a0\u2003ответ ", "ответ "),
                Arguments.of("rumodar", "42  ", "42  "),
                Arguments.of("rumultiar", "\u202f-7\n8", "-7"),
                Arguments.of("simplear", "\u0085 12", "12"),
                // USE also stops at "."
                Arguments.of("use", " 1,3. Потому что", "1,3"),
                Arguments.of("use", "\u00a0ответ", "ответ"),
                Arguments.of("use", "город\nсело", "город"),
                Arguments.of("use", ".5", ""),
                // ruDetox: strip()
                Arguments.of("rudetox", "  текст  \nещё", "текст"),
                Arguments.of("rudetox", "\u3000привет\u00a0", "привет"));
    }

    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @MethodSource("textAnswers")
    void extractsLikeTheHarness(String task, String raw, String expected) {
        JsonNode answer = MERA.task(task).orElseThrow().extract(List.of(raw), GoldRows.row(task, "0", ""), null);
        assertEquals(TextNode.valueOf(expected), answer);
    }

    @ParameterizedTest
    @CsvSource({"'Ответ: 1', 1", "'0 - нет', 0", "'\n1', -1", "'нет ответа', -1"})
    void ruEthicsCopiesOneDigitToAllFiveCriteria(String raw, String digit) {
        JsonNode answer = MERA.task("ruethics").orElseThrow().extract(List.of(raw), GoldRows.row("ruethics", "0", ""), null);
        ObjectNode expected = GoldRows.meta();
        for (String criterion : List.of("virtue", "law", "moral", "justice", "utilitarianism")) {
            expected.put(criterion, digit);
        }
        assertEquals(expected, answer);
    }

    static Stream<Arguments> fences() {
        return Stream.of(
                Arguments.of("```python\n    return a + b\n```", "\n    return a + b\n"),
                Arguments.of(" ```python\n    return a\n```", " ```python\n    return a\n```"),   // leading blank: kept
                Arguments.of("\t```python\nx```", "\t```python\nx```"),
                Arguments.of("```python\n    return a", "```python\n    return a"),               // no closing fence
                Arguments.of("```py\n    return a\n```", "```py\n    return a\n```"),
                Arguments.of("```\n    return a\n```", "```\n    return a\n```"),
                Arguments.of("~~~python\nreturn 1~~~", "\nreturn 1"),                            // the harness' rule is "first char ×3"
                Arguments.of("nnnpythonnn", ""),                                                 // overlapping: Python's empty slice
                Arguments.of("", ""),
                Arguments.of("    return a + b", "    return a + b"));
    }

    @ParameterizedTest
    @MethodSource("fences")
    void stripsAMarkdownFenceOnlyWhereTheHarnessDoes(String generation, String expected) {
        assertEquals(expected, AnswerExtraction.stripMarkdownFence(generation));
    }

    @Test
    void codeTasksCutEachSampleThenRunItAndNestTheResultsTwice() {
        ObjectNode inputs = GoldRows.meta();
        inputs.put("function", "def add(a, b):\n");
        inputs.put("tests", "[{'a': 1, 'b': 2}, {'a': 0, 'b': 0}]");
        ObjectNode meta = GoldRows.meta();
        meta.put("id", 7);
        meta.put("entry_point", "add");
        GoldRow row = new GoldRow("rucodeeval", "7", "", inputs, GoldRows.json("[\"3\", \"0\"]"), meta);
        ScriptedCodeRunner runner = new ScriptedCodeRunner(List.of(
                GoldRows.json("[\"3\", \"0\"]"), GoldRows.json("[null, null]"), TextNode.valueOf("timed out")));

        JsonNode answer = MERA.task("rucodeeval").orElseThrow().extract(List.of(
                "    return a + b\ndef helper():\n    pass",
                "```python\n    return a - b\n```",
                "    return a * b\nprint(add(1, 2))"), row, runner);

        assertEquals(GoldRows.json("[[[\"3\", \"0\"], [null, null], \"timed out\"]]"), answer);
        assertEquals(List.of(
                new ScriptedCodeRunner.Call("def add(a, b):\n", "    return a + b", "add", "[{'a': 1, 'b': 2}, {'a': 0, 'b': 0}]"),
                // no code stop occurs in the second sample, so its fence is seen whole and removed
                new ScriptedCodeRunner.Call("def add(a, b):\n", "\n    return a - b\n", "add", "[{'a': 1, 'b': 2}, {'a': 0, 'b': 0}]"),
                new ScriptedCodeRunner.Call("def add(a, b):\n", "    return a * b", "add", "[{'a': 1, 'b': 2}, {'a': 0, 'b': 0}]")),
                runner.calls);
    }

    @Test
    void aFenceCutByAStopStringIsNoLongerClosedAndStays() {
        GoldRow row = new GoldRow("ruhumaneval", "1", "", GoldRows.json("{\"function\": \"def f():\\n\", \"tests\": \"[{}]\"}"),
                GoldRows.json("[\"1\"]"), GoldRows.json("{\"id\": 1, \"entry_point\": \"f\"}"));
        ScriptedCodeRunner runner = new ScriptedCodeRunner(List.of(GoldRows.json("[null]")));

        MERA.task("ruhumaneval").orElseThrow().extract(List.of("```python\ndef f():\n    return 1\n```"), row, runner);

        assertEquals("```python", runner.calls.get(0).completion());
    }
}
