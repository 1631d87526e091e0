package dev.evalgate.scoring.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.scoring.mera.ScriptedCodeRunner;
import dev.evalgate.scoring.sandbox.PythonCodeSandbox;

/** The offline {@code score} command: its report, and a clear message naming file and line for bad input. */
class OfflineScorerTest {

    static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;
    Path gold;

    @BeforeEach
    void gold() throws Exception {
        gold = Files.createDirectories(dir.resolve("gold"));
        Files.writeString(gold.resolve("parus.jsonl"), """
                {"instruction": "x", "inputs": {"premise": "p"}, "outputs": "1", "meta": {"id": 0}}
                {"instruction": "x", "inputs": {"premise": "q"}, "outputs": "2", "meta": {"id": 1}}
                {"instruction": "x", "inputs": {"premise": "r"}, "outputs": "", "meta": {"id": 2}}
                """);
        Files.writeString(gold.resolve("rwsd.json"), """
                {"data": {"train": [{"outputs": "Нет", "meta": {"id": 0}}],
                          "test": [{"outputs": "Да", "meta": {"id": 0}}, {"outputs": "Нет", "meta": {"id": 1}}]}}
                """);
    }

    record Result(int code, String out, String err) {
    }

    Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = OfflineScorer.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), () -> new ScriptedCodeRunner(List.of()));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void scoresRawPredictions() throws Exception {
        Path p = Files.writeString(dir.resolve("preds.jsonl"), """
                {"task": "parus", "doc_id": 0, "output": "1"}
                {"task": "parus", "doc_id": "1", "output": "Ответ: 1\\n2"}
                {"task": "parus", "doc_id": 2, "output": "2"}
                {"task": "rwsd", "doc_id": 0, "output": "Да, конечно"}
                {"task": "rwsd", "doc_id": 1, "output": "нет"}
                """);
        Result r = run("--gold", gold.toString(), "--predictions", p.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode report = MAPPER.readTree(r.out());
        JsonNode parus = report.path("tasks").path("parus");
        assertEquals(0.5, parus.path("metrics").path("acc").asDouble(), 1e-12);
        assertEquals(3, parus.path("samples").asInt());
        assertEquals(2, parus.path("samples_scored").asInt(), "the closed row (empty outputs) is known but not scored");
        assertEquals(2, parus.path("gold_available").asInt());
        assertEquals(0.5, report.path("tasks").path("rwsd").path("metrics").path("acc").asDouble(), 1e-12,
                "the test split, not train; lowercase 'нет' is not an answer");
        // two of the 15 in-total tasks have scores, the other 13 count 0
        assertEquals((0.5 + 0.5) / 15, report.path("total_score").asDouble(), 1e-12);
    }

    /** Code tasks for real: the completions run in the sandbox, and pass@k comes from all samples of a problem. */
    @Test
    void codeTaskSamplesRunInTheSandbox() throws Exception {
        Files.writeString(gold.resolve("ruhumaneval.jsonl"), """
                {"instruction": "{function}", "inputs": {"function": "def add(a, b):\\n    \\"\\"\\"Сумма.\\"\\"\\"\\n", "tests": "[{'a': 1, 'b': 2}, {'a': 5, 'b': -5}]"}, "outputs": ["3", "0"], "meta": {"id": 0, "entry_point": "add"}}
                """);
        Path p = Files.writeString(dir.resolve("code.jsonl"), """
                {"task": "ruhumaneval", "doc_id": 0, "output": "    return a + b\\ndef unused():\\n    pass"}
                {"task": "ruhumaneval", "doc_id": 0, "output": "    return a - b\\n"}
                """);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = OfflineScorer.run(List.of("--gold", gold.toString(), "--predictions", p.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err, PythonCodeSandbox::new);
        assertEquals(0, code);
        JsonNode t = MAPPER.readTree(out.toString(StandardCharsets.UTF_8)).path("tasks").path("ruhumaneval");
        assertEquals(1, t.path("samples").asInt(), "two generations of one problem are one document");
        assertEquals(0.5, t.path("metrics").path("pass@1").asDouble(), 1e-12);
        assertEquals(1.0, t.path("metrics").path("pass@5").asDouble(), 1e-12, "n < k gives 1.0, as in MERA");
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of("{\"task\": \"parus\", \"doc_id\": 0, \"output\": \"1\"}\n{oops\n", "preds.jsonl:2"),
                Arguments.of("{\"task\": \"parus\", \"doc_id\": 0}\n", "preds.jsonl:1"),
                Arguments.of("{\"task\": \"nosuch\", \"doc_id\": 0, \"output\": \"1\"}\n", "preds.jsonl:1"),
                Arguments.of("[1, 2]\n", "preds.jsonl:1"));
    }

    @ParameterizedTest
    @MethodSource("badInputs")
    void badPredictionsNameFileAndLine(String content, String where) throws Exception {
        Path p = Files.writeString(dir.resolve("preds.jsonl"), content);
        Result r = run("--gold", gold.toString(), "--predictions", p.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(where), r.err());
        assertEquals("", r.out());
    }

    @Test
    void badGoldNamesFileAndLine() throws Exception {
        Files.writeString(gold.resolve("parus.jsonl"), "{\"outputs\": \"1\", \"meta\": {\"id\": 0}}\nnot json\n");
        Path p = Files.writeString(dir.resolve("preds.jsonl"), "");
        Result r = run("--gold", gold.toString(), "--predictions", p.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("parus.jsonl:2"), r.err());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run().code());
        assertEquals(2, run("--gold", gold.toString()).code());
        assertEquals(2, run("--gold", gold.toString(), "--predictions", "a", "--submission", "b").code());
        assertEquals(2, run("--bogus", "x").code());
        Result missing = run("--gold", dir.resolve("nope").toString(), "--predictions", "x.jsonl");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("nope"), missing.err());
    }

    @Test
    void submissionWithAWrongTypeZeroesTheTaskAsMeraDoes() throws Exception {
        Path zip = dir.resolve("sub.zip");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new java.util.zip.ZipEntry("PARus.json"));
            out.write("{\"data\": {\"test\": [{\"outputs\": \"1\", \"meta\": {\"id\": 0}}, {\"outputs\": 2, \"meta\": {\"id\": 1}}]}}"
                    .getBytes(StandardCharsets.UTF_8));
            out.putNextEntry(new java.util.zip.ZipEntry("RWSD.json"));
            out.write("{\"data\": {\"test\": [{\"outputs\": \"Да\", \"meta\": {\"id\": 0}}, {\"outputs\": \"Нет\", \"meta\": {\"id\": 1}}]}}"
                    .getBytes(StandardCharsets.UTF_8));
        }
        Result r = run("--gold", gold.toString(), "--submission", zip.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode tasks = MAPPER.readTree(r.out()).path("tasks");
        assertEquals(0.0, tasks.path("parus").path("metrics").path("acc").asDouble());
        assertTrue(tasks.path("parus").path("problem").asText().contains("PARus.json"));
        assertEquals(1.0, tasks.path("rwsd").path("metrics").path("acc").asDouble());
    }
}
