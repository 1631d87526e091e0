package dev.evalgate.scoring.mera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * Real MERA rows from {@code src/test/resources/mera-samples} (its README names their source): gold as the model's
 * raw text must score perfectly, and a fixed wrong raw text must give the numbers computed independently in Python by
 * {@code src/test/python/expected_values.py MeraSampleDataTest} (CPython 3.11 re/str for the extraction, the server's
 * acc, and numpy re-implementations of sklearn 1.0.2's f1_score(average="macro") and matthews_corrcoef). The samples
 * carry no meta; ids are the row numbers, and where a metric needs a meta field the sample lacks (ruHHH criteria,
 * ruEthics question) it is assigned as noted.
 */
class MeraSampleDataTest {

    private static final double TOLERANCE = 1e-12;
    private static final TaskCatalogue MERA = TaskCatalogue.mera();
    private static final List<String> HHH_CRITERIA = List.of("helpful", "harmless", "honest");
    private static final List<String> ETHICS_QUESTIONS = List.of("correct", "good", "ethical");

    /** Runs the raw texts through the task's extraction, then its metrics. */
    private static Map<String, Double> score(String task, List<GoldRow> rows, BiFunction<Integer, GoldRow, String> raw) {
        MeraTask meraTask = MERA.task(task).orElseThrow();
        List<ScoredAnswer> answers = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            GoldRow row = rows.get(i);
            answers.add(new ScoredAnswer(row, meraTask.extract(List.of(raw.apply(i, row)), row, null)));
        }
        return meraTask.metrics(answers);
    }

    private static void assertMetrics(Map<String, Double> expected, Map<String, Double> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()), "keys");
        expected.forEach((key, value) -> assertEquals(value, actual.get(key), TOLERANCE, key));
    }

    private static Map<String, Double> ordered(Object... keysAndValues) {
        Map<String, Double> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], ((Number) keysAndValues[i + 1]).doubleValue());
        }
        return map;
    }

    private static GoldRow fromSample(String task, JsonNode line, ObjectNode meta) {
        String id = line.path("row").asText();
        meta.put("id", line.path("row").asInt());
        return new GoldRow(task, id, line.path("instruction").asText(""), line.path("inputs"), line.path("outputs"), meta);
    }

    // ---- ruHateSpeech: 30 rows, target_group in inputs

    private static List<GoldRow> hateSpeech() {
        return GoldRows.sample("ruhatespeech_public_test.sample.jsonl").stream()
                .map(line -> fromSample("ruhatespeech", line, GoldRows.meta())).toList();
    }

    @Test
    void ruHateSpeechGoldScoresOne() {
        Map<String, Double> metrics = score("ruhatespeech", hateSpeech(), (i, row) -> row.outputs().asText());
        assertEquals(7, metrics.size());
        metrics.forEach((key, value) -> assertEquals(1.0, value, key));
    }

    @Test
    void ruHateSpeechAlwaysFirstReply() {
        // raw "Ответ: 1\nпотому что" → "1"; 14 of 30 golds are "1"; groups in order of first appearance
        assertMetrics(ordered("acc", 0.4666666666666667, "acc.другое", 0.3, "acc.женщины", 0.6153846153846154,
                "acc.мужчины", 0.0, "acc.национальность", 0.25, "acc.лгбт", 1.0, "acc.мигранты", 1.0),
                score("ruhatespeech", hateSpeech(), (i, row) -> "Ответ: 1\nпотому что"));
    }

    // ---- ruHHH: 25 rows without criteria; criteria assigned as row % 3 → helpful, harmless, honest

    private static List<GoldRow> hhh() {
        return GoldRows.sample("ruhhh_public_test.sample.jsonl").stream().map(line -> {
            ObjectNode meta = GoldRows.meta();
            meta.put("criteria", HHH_CRITERIA.get(line.path("row").asInt() % 3));
            return fromSample("ruhhh", line, meta);
        }).toList();
    }

    @Test
    void ruHhhGoldScoresOne() {
        assertMetrics(ordered("acc", 1, "acc.helpful", 1, "acc.harmless", 1, "acc.honest", 1),
                score("ruhhh", hhh(), (i, row) -> row.outputs().asText()));
    }

    @Test
    void ruHhhFixedAnswers() {
        // every 4th row answers "Второй, 2й" (no \b-delimited digit → "-1"), the rest "2"
        assertMetrics(ordered("acc", 0.32, "acc.helpful", 0.2222222222222222, "acc.harmless", 0.25, "acc.honest", 0.5),
                score("ruhhh", hhh(), (i, row) -> row.meta().path("id").asInt() % 4 != 0 ? "2" : "Второй, 2й"));
    }

    // ---- ruEthics: 15 rows × the 3 questions (the dataset asks all three about every pair, same 5 labels)

    private static List<GoldRow> ethics() {
        List<GoldRow> rows = new ArrayList<>();
        for (JsonNode line : GoldRows.sample("ruethics_public_test.sample.jsonl")) {
            for (String question : ETHICS_QUESTIONS) {
                int id = line.path("row").asInt() * 3 + ETHICS_QUESTIONS.indexOf(question);
                ObjectNode meta = GoldRows.meta();
                meta.put("id", id);
                meta.put("question", question);
                rows.add(new GoldRow("ruethics", String.valueOf(id), "", line.path("inputs"), line.path("outputs"), meta));
            }
        }
        return rows;
    }

    private static Map<String, Double> ethicsExpected(double... perQuestionCriterion) {
        Map<String, Double> expected = new LinkedHashMap<>();
        int i = 0;
        for (String question : ETHICS_QUESTIONS) {
            for (String criterion : AnswerExtraction.ETHICS_CRITERIA) {
                expected.put(question + "." + criterion, perQuestionCriterion[i++]);
            }
        }
        return expected;
    }

    @Test
    void ruEthicsGoldAsSubmission() {
        // gold objects submitted as they are: justice and utilitarianism have both labels → MCC 1.0; virtue, law and
        // moral are "1" in all 15 pairs → sklearn's degenerate 0.0, even for a perfect answer
        List<ScoredAnswer> answers = ethics().stream().map(row -> new ScoredAnswer(row, row.outputs())).toList();
        assertMetrics(ethicsExpected(0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1), MERA.task("ruEthics").orElseThrow().metrics(answers));
    }

    @Test
    void ruEthicsFixedAnswers() {
        // "good": row % 2 → "0", "1"; other questions: row % 4 → "1", "Ответ: 0", "\n1" (→ "-1"), "1"
        Map<String, Double> actual = score("ruethics", ethics(), (i, row) -> {
            int sample = row.meta().path("id").asInt() / 3;
            return row.meta().path("question").asText().equals("good")
                    ? List.of("0", "1").get(sample % 2)
                    : List.of("1", "Ответ: 0", "\n1", "1").get(sample % 4);
        });
        double a = 0.0472455591261534;
        assertMetrics(ethicsExpected(0, 0, 0, a, a, 0, 0, 0, 0.25, 0.25, 0, 0, 0, a, a), actual);
    }

    // ---- Toloka control items (BPS, LCS, RCB, RWSD, SimpleAr, ruMultiAr, ruWorldTree) with gold

    private static List<GoldRow> toloka(String task) {
        List<GoldRow> rows = new ArrayList<>();
        for (JsonNode line : GoldRows.sample("toloka_control_items_with_gold.jsonl")) {
            if (line.path("task").asText().equals(task)) {
                String id = String.valueOf(rows.size());
                ObjectNode meta = GoldRows.meta();
                meta.put("id", rows.size());
                JsonNode inputs = line.path("inputs").isObject() ? line.path("inputs") : TextNode.valueOf(line.path("inputs").asText());
                rows.add(new GoldRow(MERA.task(task).orElseThrow().name(), id, "", inputs, line.path("gold"), meta));
            }
        }
        return rows;
    }

    static Stream<Arguments> tolokaTasks() {
        // task, rows, raw templates by index % 3 ({gold} = the gold answer), expected metrics for those raw texts
        return Stream.of(
                Arguments.of("BPS", 30, List.of("1", "1", "1"), ordered("acc", 0.4666666666666667)),
                Arguments.of("LCS", 19, List.of("4", "Ответ: 2", "10"), ordered("acc", 0.2631578947368421)),
                Arguments.of("RCB", 30, List.of("1", "2.", "3й"), ordered("acc", 0.26666666666666666, "f1_macro", 0.1904761904761905)),
                Arguments.of("RWSD", 27, List.of("Да", "Нет, не он", "да"), ordered("acc", 0.3333333333333333)),
                Arguments.of("SimpleAr", 30, List.of(" {gold}", "{gold}.", "\n{gold}"), ordered("em", 0.3333333333333333)),
                Arguments.of("ruMultiAr", 30, List.of("\u00a0{gold}", "{gold} ", "-{gold}"), ordered("em", 0.3333333333333333)),
                Arguments.of("ruWorldTree", 30, List.of("A", "Ответ: B", "d"), ordered("acc", 0.2, "f1_macro", 0.1372549019607843)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tolokaTasks")
    void tolokaGoldScoresOne(String task, int size, List<String> templates, Map<String, Double> expected) {
        List<GoldRow> rows = toloka(task);
        assertEquals(size, rows.size());
        Map<String, Double> metrics = score(task, rows, (i, row) -> row.outputs().asText());
        assertEquals(expected.keySet(), metrics.keySet());
        metrics.forEach((key, value) -> assertEquals(1.0, value, key));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tolokaTasks")
    void tolokaFixedAnswers(String task, int size, List<String> templates, Map<String, Double> expected) {
        assertMetrics(expected, score(task, toloka(task),
                (i, row) -> templates.get(i % 3).replace("{gold}", row.outputs().asText())));
    }

    // ---- ruDetox: extraction only; never a score

    @Test
    void ruDetoxStripsAndIsNotScored() {
        MeraTask detox = MERA.task("ruDetox").orElseThrow();
        List<ScoredAnswer> answers = new ArrayList<>();
        for (JsonNode line : GoldRows.sample("rudetox_public_test.sample.jsonl")) {
            GoldRow row = fromSample("rudetox", line, GoldRows.meta());
            JsonNode answer = detox.extract(List.of("\u00a0 " + row.outputs().asText() + " \nИсходный текст: ..."), row, null);
            // all 50 references are already strip()ped and single-line (checked by src/test/python/expected_values.py)
            assertEquals(row.outputs(), answer);
            answers.add(new ScoredAnswer(row, answer));
        }
        assertEquals(50, answers.size());
        assertEquals(Map.of(), detox.metrics(answers));
        assertTrue(detox.unscoredReason().isPresent());
    }

    @Test
    void samplesComeFromTheTestClasspath() {
        JsonNode first = GoldRows.sample("ruhhh_public_test.sample.jsonl").get(0);
        assertEquals(JsonNodeFactory.instance.textNode("1"), first.path("outputs"));
    }
}
