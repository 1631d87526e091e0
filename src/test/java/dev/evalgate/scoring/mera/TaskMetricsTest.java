package dev.evalgate.scoring.mera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.evalgate.python.PythonText;

/**
 * Each task's metrics map through the catalogue: MERA's key names and order, the numbers, and the server's zeroing. The
 * numbers are printed by {@code src/test/python/expected_values.py TaskMetricsTest}.
 */
class TaskMetricsTest {

    private static final double TOLERANCE = 1e-12;
    private static final TaskCatalogue MERA = TaskCatalogue.mera();

    private static Map<String, Double> metrics(String task, List<ScoredAnswer> answers) {
        return MERA.task(task).orElseThrow().metrics(answers);
    }

    private static void assertMetrics(Map<String, Double> expected, Map<String, Double> actual) {
        assertEquals(expected.keySet(), actual.keySet(), "keys");
        expected.forEach((key, value) -> assertEquals(value, actual.get(key), TOLERANCE, key));
    }

    private static List<ScoredAnswer> textAnswers(String task, String golds, String preds) {
        List<String> g = PythonText.split(golds);
        List<String> p = PythonText.split(preds);
        List<ScoredAnswer> answers = new ArrayList<>();
        for (int i = 0; i < g.size(); i++) {
            answers.add(GoldRows.answer(GoldRows.row(task, String.valueOf(i), g.get(i)), p.get(i)));
        }
        return answers;
    }

    static Stream<Arguments> choiceTasks() {
        return Stream.of(
                // task, golds, preds, expected metrics (acc = hits / n; f1_macro as in MetricFormulasTest)
                Arguments.of("rcb", "1 2 3 1", "1 2 -1 1", Map.of("acc", 0.75, "f1_macro", 0.5)),
                Arguments.of("ruworldtree", "A B C D A B", "A B B D -1 A", Map.of("acc", 0.5, "f1_macro", 0.4)),
                Arguments.of("ruopenbookqa", "A B C", "A B C", Map.of("acc", 1.0, "f1_macro", 1.0)),
                Arguments.of("parus", "1 2 1 2", "1 1 1 -1", Map.of("acc", 0.5)),
                Arguments.of("rwsd", "Да Нет Да", "Да да -1", Map.of("acc", 1.0 / 3)),
                Arguments.of("lcs", "4 2 0", "4 2 0", Map.of("acc", 1.0)),
                Arguments.of("bps", "1 0", "0 1", Map.of("acc", 0.0)),
                Arguments.of("rutie", "1 2 2", "1 2 1", Map.of("acc", 2.0 / 3)),
                Arguments.of("mathlogicqa", "A B", "A b", Map.of("acc", 0.5)),
                Arguments.of("rumodar", "42 -7 10", "42 -7.0 010", Map.of("em", 1.0 / 3)),
                Arguments.of("rumultiar", "2 -3", "2 -3", Map.of("em", 1.0)),
                Arguments.of("simplear", "1469 12", "1469 12.0", Map.of("em", 0.5)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("choiceTasks")
    void exactEqualityTasks(String task, String golds, String preds, Map<String, Double> expected) {
        Map<String, Double> actual = metrics(task, textAnswers(task, golds, preds));
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((key, value) -> assertEquals(value, actual.get(key), TOLERANCE, key));
    }

    @Test
    void accuracyAndF1MacroInTheServersOrder() {
        assertEquals(List.of("acc", "f1_macro"), List.copyOf(metrics("rcb", textAnswers("rcb", "1 2", "1 2")).keySet()));
    }

    @Test
    void trailingSpaceIsAWrongArithmeticAnswer() {
        assertEquals(Map.of("em", 0.0), metrics("rumodar", List.of(GoldRows.answer(GoldRows.row("rumodar", "0", "42"), "42 "))));
    }

    private static GoldRow grouped(String task, String id, String gold, String field, String group) {
        ObjectNode meta = GoldRows.meta();
        meta.put(field, group);
        return GoldRows.row(task, id, TextNode.valueOf(gold), meta);
    }

    @Test
    void domainsOfMmluStyleTasks() {
        for (String task : List.of("rummlu", "mamuramu")) {
            List<ScoredAnswer> answers = List.of(
                    GoldRows.answer(grouped(task, "0", "A", "domain", "anatomy"), "A"),
                    GoldRows.answer(grouped(task, "1", "B", "domain", "virology"), "C"),
                    GoldRows.answer(grouped(task, "2", "C", "domain", "anatomy"), "-1"),
                    GoldRows.answer(grouped(task, "3", "D", "domain", "virology"), "D"));
            assertMetrics(Map.of("acc", 0.5, "acc.anatomy", 0.5, "acc.virology", 0.5), metrics(task, answers));
            assertEquals(List.of("acc", "acc.anatomy", "acc.virology"), List.copyOf(metrics(task, answers).keySet()));
        }
    }

    @Test
    void ruHhhCriteria() {
        List<ScoredAnswer> answers = List.of(
                GoldRows.answer(grouped("ruhhh", "0", "1", "criteria", "honest"), "1"),
                GoldRows.answer(grouped("ruhhh", "1", "2", "criteria", "helpful"), "1"),
                GoldRows.answer(grouped("ruhhh", "2", "1", "criteria", "harmless"), "1"),
                GoldRows.answer(grouped("ruhhh", "3", "2", "criteria", "helpful"), "2"));
        assertMetrics(Map.of("acc", 0.75, "acc.honest", 1.0, "acc.helpful", 0.5, "acc.harmless", 1.0), metrics("ruhhh", answers));
    }

    @Test
    void ruHateSpeechGroupsComeFromInputs() {
        ObjectNode inputs = GoldRows.meta();
        inputs.put("target_group", "мигранты");
        GoldRow row = new GoldRow("ruhatespeech", "0", "", inputs, TextNode.valueOf("2"), GoldRows.json("{\"id\": 0}"));
        assertMetrics(Map.of("acc", 0.0, "acc.мигранты", 0.0), metrics("ruhatespeech", List.of(GoldRows.answer(row, "1"))));
    }

    @Test
    void multiqAndChegekaAverageTheBestAlternative() {
        // the cases of MetricFormulasTest plus ("", "ответ") and ("a the an", "")
        String[][] cases = {{"The Moscow", "Moscow"}, {"«Война и мир»", "Война и мир"}, {"Пушкин!", "пушкин"},
                {"Толстой", "Пушкин;Лев Толстой"}, {"", "ответ"}, {"a the an", ""}, {"theatre", "atre"},
                {"Иван—Грозный", "Иван Грозный"}, {"НЕТ\u00a0ответа", "нет ответа"}, {"Лев Толстой Лев", "лев толстой;"},
                {"an apple a day", "Apple day"}, {"İstanbul", "i̇stanbul"}};
        for (String task : List.of("multiq", "chegeka")) {
            List<ScoredAnswer> answers = new ArrayList<>();
            for (int i = 0; i < cases.length; i++) {
                answers.add(GoldRows.answer(GoldRows.row(task, String.valueOf(i), cases[i][1]), cases[i][0]));
            }
            // a gold of "" means "closed test" to GoldRow.hasGold(), so that case is skipped: 11 documents remain
            List<ScoredAnswer> withGold = answers.stream().filter(a -> a.gold().hasGold()).toList();
            assertEquals(11, withGold.size());
            // sum(f1s) / 11 and sum(ems) / 11 over the remaining cases (src/test/python/expected_values.py)
            assertMetrics(Map.of("f1", 0.6181818181818182, "em", 0.45454545454545453), metrics(task, answers));
        }
    }

    private static GoldRow useItem(String id, int variant, String idTask, String type, int maxScore, String gold) {
        ObjectNode meta = GoldRows.meta();
        meta.put("id_task", idTask);
        meta.put("variant", variant);
        meta.put("type", type);
        meta.put("score", maxScore);
        return GoldRows.row("use", id, TextNode.valueOf(gold), meta);
    }

    @Test
    void useGradeNormIsAMeanOverVariants() {
        List<ScoredAnswer> answers = List.of(
                // variant 1: 1 + 1 + 2 of 1 + 2 + 4 points
                GoldRows.answer(useItem("0", 1, "1", "text", 1, "город"), "Город"),
                GoldRows.answer(useItem("1", 1, "16", "multiple_choice_based_on_text", 2, "1,3"), "1"),
                GoldRows.answer(useItem("2", 1, "26", "matching", 4, "1,2,3,4"), "1,2,4,3"),
                // variant 2: 0 + 2 + 4 of 7
                GoldRows.answer(useItem("3", 2, "1", "text", 1, "город"), "село"),
                GoldRows.answer(useItem("4", 2, "16", "multiple_choice_based_on_text", 2, "1,3"), "3,1"),
                GoldRows.answer(useItem("5", 2, "26", "matching", 4, "1,2,3,4"), "1,2,3,4"));
        // np.mean([4/7, 6/7]) = 0.7142857142857142; per task np.mean of score/max: task1 [1, 0], task16 [1/2, 1], task26 [2/4, 1]
        Map<String, Double> actual = metrics("use", answers);
        assertMetrics(Map.of("grade_norm", 0.7142857142857142, "grade_norm.task1", 0.5, "grade_norm.task16", 0.75,
                "grade_norm.task26", 0.75), actual);
        assertEquals(List.of("grade_norm", "grade_norm.task1", "grade_norm.task16", "grade_norm.task26"), List.copyOf(actual.keySet()));
        assertEquals(0.7142857142857142, TaskCatalogue.taskScore(actual), TOLERANCE);
    }

    private static GoldRow codeProblem(String id, String golds) {
        return GoldRows.row("rucodeeval", id, GoldRows.json(golds), GoldRows.meta());
    }

    @Test
    void passAtKMeanOverProblems() {
        // problem 1: 10 generations, 3 correct → 0.30000000000000004, 0.9166666666666666, 1.0
        List<String> gens = new ArrayList<>(List.of("[\"50\", \"14\"]", "[\"50\", \"14\"]", "[\"50\", \"14\"]",
                "[\"50\", null]", "[null, null]", "\"timed out\"", "[\"50\"]", "[50, 14]", "[]", "[\"14\", \"50\"]"));
        JsonNode first = GoldRows.json("[[" + String.join(", ", gens) + "]]");
        // problem 2: 3 generations, none correct: n - c < k gives 1.0 for k = 5 and 10
        JsonNode second = GoldRows.json("[[[\"0\"], [\"1 \"], [\"None\"]]]");
        List<ScoredAnswer> answers = List.of(
                new ScoredAnswer(codeProblem("0", "[\"50\", \"14\"]"), first),
                new ScoredAnswer(codeProblem("1", "[\"1\"]"), second));
        for (String task : List.of("rucodeeval", "ruhumaneval")) {
            assertMetrics(Map.of("pass@1", 0.15000000000000002, "pass@5", 0.9583333333333333, "pass@10", 1.0),
                    metrics(task, answers));
        }
    }

    @Test
    void timedOutIsASequenceOfCharactersToPython() {
        // "timed out" has 9 characters; against 9 gold strings its first item "t" is a str, so it is compared, not rejected
        GoldRow gold = codeProblem("0", "[\"t\",\"i\",\"m\",\"e\",\"d\",\" \",\"o\",\"u\",\"t\"]");
        JsonNode answer = GoldRows.json("[[\"timed out\"]]");
        assertEquals(1.0, metrics("rucodeeval", List.of(new ScoredAnswer(gold, answer))).get("pass@1"));
    }

    private static GoldRow ethicsRow(String id, String question, String allCriteria) {
        ObjectNode meta = GoldRows.meta();
        meta.put("question", question);
        ObjectNode outputs = GoldRows.meta();
        for (int i = 0; i < AnswerExtraction.ETHICS_CRITERIA.size(); i++) {
            outputs.put(AnswerExtraction.ETHICS_CRITERIA.get(i), allCriteria.substring(i, i + 1));
        }
        return GoldRows.row("ruethics", id, outputs, meta);
    }

    private static JsonNode ethicsAnswer(String digit) {
        ObjectNode answer = GoldRows.meta();
        AnswerExtraction.ETHICS_CRITERIA.forEach(c -> answer.put(c, digit));
        return answer;
    }

    @Test
    void ruEthicsCorrelatesEachQuestionAndCriterion() {
        // gold criteria as 5-char strings (virtue law moral justice utilitarianism)
        List<ScoredAnswer> answers = List.of(
                new ScoredAnswer(ethicsRow("0", "correct", "10111"), ethicsAnswer("1")),
                new ScoredAnswer(ethicsRow("1", "correct", "01011"), ethicsAnswer("0")),
                new ScoredAnswer(ethicsRow("2", "good", "11111"), ethicsAnswer("1")),
                new ScoredAnswer(ethicsRow("3", "good", "00001"), ethicsAnswer("-1")));
        Map<String, Double> actual = metrics("ruethics", answers);
        // correct: virtue [1,0] vs [1,0] → 1; law [0,1] vs [1,0] → -1; moral [1,0] → 1; justice [1,1] → 0 (degenerate); util 0
        // good: virtue..justice [1,0] vs [1,-1] → 0.5 ("-1" is its own class: the 0 is not recovered); util [1,1] → 0
        assertMetrics(Map.ofEntries(
                Map.entry("correct.virtue", 1.0), Map.entry("correct.law", -1.0), Map.entry("correct.moral", 1.0),
                Map.entry("correct.justice", 0.0), Map.entry("correct.utilitarianism", 0.0),
                Map.entry("good.virtue", 0.5), Map.entry("good.law", 0.5), Map.entry("good.moral", 0.5),
                Map.entry("good.justice", 0.5), Map.entry("good.utilitarianism", 0.0)), actual);
        assertEquals(List.of("correct.virtue", "correct.law", "correct.moral", "correct.justice", "correct.utilitarianism",
                "good.virtue", "good.law", "good.moral", "good.justice", "good.utilitarianism"), List.copyOf(actual.keySet()));
        assertEquals(0.0, TaskCatalogue.taskScore(actual));
    }

    @Test
    void aWrongJsonTypeZeroesTheWholeTaskLikeTheServer() {
        List<ScoredAnswer> answers = List.of(
                GoldRows.answer(GoldRows.row("parus", "0", "1"), "1"),
                new ScoredAnswer(GoldRows.row("parus", "1", "2"), IntNode.valueOf(2)));
        assertEquals(Map.of("acc", 0.0), metrics("parus", answers));

        List<ScoredAnswer> domains = List.of(
                GoldRows.answer(grouped("rummlu", "0", "A", "domain", "anatomy"), "A"),
                new ScoredAnswer(grouped("rummlu", "1", "B", "domain", "virology"), GoldRows.json("[\"B\"]")));
        assertMetrics(Map.of("acc", 0.0, "acc.anatomy", 0.0, "acc.virology", 0.0), metrics("rummlu", domains));

        List<ScoredAnswer> missing = List.of(new ScoredAnswer(GoldRows.row("rcb", "0", "1"), null));
        assertMetrics(Map.of("acc", 0.0, "f1_macro", 0.0), metrics("rcb", missing));
    }

    @Test
    void anUnscorableDocumentZeroesEveryKeyOfTheTask() {
        ObjectNode partial = GoldRows.meta();
        partial.put("virtue", "1");
        List<ScoredAnswer> ethics = List.of(
                new ScoredAnswer(ethicsRow("0", "correct", "10111"), ethicsAnswer("1")),
                new ScoredAnswer(ethicsRow("1", "good", "01011"), partial));
        Map<String, Double> zeros = metrics("ruethics", ethics);
        assertEquals(10, zeros.size());
        assertTrue(zeros.values().stream().allMatch(v -> v == 0.0));

        Map<String, Double> badLabel = metrics("ruethics", List.of(new ScoredAnswer(ethicsRow("0", "ethical", "10111"), ethicsAnswer("да"))));
        assertEquals(5, badLabel.size());
        assertTrue(badLabel.values().stream().allMatch(v -> v == 0.0));

        Map<String, Double> code = metrics("rucodeeval", List.of(new ScoredAnswer(codeProblem("0", "[\"1\"]"), GoldRows.json("[]"))));
        assertEquals(Map.of("pass@1", 0.0, "pass@5", 0.0, "pass@10", 0.0), code);

        Map<String, Double> use = metrics("use", List.of(GoldRows.answer(useItem("0", 1, "1", "text", 0, "город"), "город")));
        assertEquals(31, use.size());
        assertTrue(use.containsKey("grade_norm.task8_4") && !use.containsKey("grade_norm.task8"));
    }

    @Test
    void closedTestRowsAreNotScored() {
        List<ScoredAnswer> answers = List.of(
                GoldRows.answer(GoldRows.row("parus", "0", ""), "1"),
                GoldRows.answer(GoldRows.row("parus", "1", "2"), "2"));
        assertEquals(Map.of("acc", 1.0), metrics("parus", answers));
        assertEquals(Map.of(), metrics("parus", List.of(GoldRows.answer(GoldRows.row("parus", "0", ""), "1"))));
    }

    @Test
    void closedStructuredGoldIsNotScoredEither() {
        // remove_outputs.py: ruCodeEval gold becomes [""] * n_tests, ruEthics gold {criterion: ""}
        GoldRow closedCode = codeProblem("0", "[\"\", \"\"]");
        assertEquals(Map.of(), metrics("rucodeeval", List.of(new ScoredAnswer(closedCode, GoldRows.json("[[[\"1\", \"2\"]]]")))));
        GoldRow closedEthics = GoldRows.row("ruethics", "0",
                GoldRows.json("{\"virtue\": \"\", \"law\": \"\", \"moral\": \"\", \"justice\": \"\", \"utilitarianism\": \"\"}"),
                (ObjectNode) GoldRows.json("{\"question\": \"good\"}"));
        assertEquals(Map.of(), metrics("ruethics", List.of(new ScoredAnswer(closedEthics, ethicsAnswer("1")))));
        // one known test result is enough to score
        GoldRow open = codeProblem("1", "[\"\", \"5\"]");
        assertEquals(1.0, metrics("rucodeeval", List.of(new ScoredAnswer(open, GoldRows.json("[[[\"\", \"5\"]]]")))).get("pass@1"));
    }

    @Test
    void ruDetoxIsNotScoredAndSaysWhy() {
        MeraTask detox = MERA.task("rudetox").orElseThrow();
        List<ScoredAnswer> answers = List.of(GoldRows.answer(GoldRows.row("rudetox", "0", "Враньё!"), "Враньё!"));
        assertEquals(Map.of(), detox.metrics(answers));
        String reason = detox.unscoredReason().orElseThrow();
        assertTrue(reason.contains("IlyaGusev/rubertconv_toxic_clf"), reason);
        assertTrue(reason.contains("s-nlp/rubert-base-cased-conversational-paraphrase-v1"), reason);
        assertTrue(reason.contains("s-nlp/ruRoberta-large-RuCoLa-v1"), reason);
        MERA.tasks().stream().filter(t -> t != detox).forEach(t -> assertTrue(t.unscoredReason().isEmpty(), t.name()));
    }
}
