package dev.evalgate.scoring.mera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The v1.2.0 task list, names, stop strings, ids, and MERA's task and total scores ({@code worker.py}). */
class TaskCatalogueTest {

    private static final TaskCatalogue MERA = TaskCatalogue.mera();

    // modules/scoring/configs/*.yaml use_in_total: true
    private static final Set<String> IN_TOTAL = Set.of("lcs", "rcb", "use", "rwsd", "parus", "rutie", "multiq", "chegeka",
            "rumodar", "rumultiar", "mathlogicqa", "ruopenbookqa", "ruworldtree", "mamuramu", "rucodeeval");

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource({
            "bps, BPS, false", "chegeka, CheGeKa, true", "lcs, LCS, true", "mathlogicqa, MathLogicQA, true",
            "multiq, MultiQ, true", "parus, PARus, true", "rcb, RCB, true", "rudetox, ruDetox, false",
            "ruethics, ruEthics, false", "ruhatespeech, ruHateSpeech, false", "ruhhh, ruHHH, false",
            "ruhumaneval, ruHumanEval, false", "rucodeeval, ruCodeEval, true", "rummlu, ruMMLU, false",
            "mamuramu, MaMuRAMu, true", "rumodar, ruModAr, true", "rumultiar, ruMultiAr, true",
            "ruopenbookqa, ruOpenBookQA, true", "rutie, ruTiE, true", "ruworldtree, ruWorldTree, true", "rwsd, RWSD, true",
            "simplear, SimpleAr, false", "use, USE, true"})
    void everyTaskByEitherName(String name, String submissionName, boolean inTotal) {
        MeraTask task = MERA.task(name).orElseThrow();
        assertEquals(name, task.name());
        assertEquals(submissionName, task.submissionName());
        assertEquals(inTotal, task.inTotal());
        assertSame(task, MERA.task(submissionName).orElseThrow());
        assertSame(task, MERA.task(submissionName.toUpperCase()).orElseThrow());
    }

    @Test
    void twentyThreeTasksFifteenInTotal() {
        assertEquals(23, MERA.tasks().size());
        assertEquals(23, MERA.tasks().stream().map(MeraTask::name).distinct().count());
        assertEquals(IN_TOTAL, MERA.tasks().stream().filter(MeraTask::inTotal).map(MeraTask::name).collect(Collectors.toSet()));
        assertEquals(MERA.tasks(), TaskCatalogue.mera().tasks());
        assertTrue(MERA.task("rummlu_gen").isEmpty());
        assertTrue(MERA.task("rsg").isEmpty());
    }

    @ParameterizedTest
    @CsvSource({"parus", "rwsd", "rummlu", "chegeka", "rudetox", "ruethics", "rutie", "simplear"})
    void defaultStopIsNewline(String name) {
        assertEquals(List.of("\n"), MERA.task(name).orElseThrow().stopSequences());
    }

    @Test
    void useAndCodeStops() {
        assertEquals(List.of("\n", "."), MERA.task("use").orElseThrow().stopSequences());
        List<String> code = List.of("\nclass", "\ndef", "\n#", "\nif", "\nprint");
        assertEquals(code, MERA.task("ruhumaneval").orElseThrow().stopSequences());
        assertEquals(code, MERA.task("rucodeeval").orElseThrow().stopSequences());
    }

    @Test
    void documentIds() {
        assertEquals("dialog_id:0;question_id:17",
                MERA.task("rutie").orElseThrow().docId(GoldRows.json("{\"dialog_id\": 0, \"question_id\": 17, \"category\": [\"x\"]}")));
        assertEquals("851", MERA.task("ruethics").orElseThrow().docId(GoldRows.json("{\"id\": 851, \"question\": \"good\"}")));
    }

    @Test
    void taskScoreAveragesTopLevelKeysOnly() {
        assertEquals(0.45, TaskCatalogue.taskScore(Map.of("acc", 0.5, "f1_macro", 0.4)), 1e-15);
        assertEquals(0.5, TaskCatalogue.taskScore(Map.of("acc", 0.5, "acc.anatomy", 1.0, "acc.virology", 0.0)));
        assertEquals(0.7, TaskCatalogue.taskScore(Map.of("grade_norm", 0.7, "grade_norm.task16", 0.1)));
        assertEquals(0.0, TaskCatalogue.taskScore(Map.of("correct.virtue", 0.9, "good.law", 0.8)));
        assertEquals(0.0, TaskCatalogue.taskScore(Map.of()));
        // (0.5 + 0.25 + 0.125) / 3 for pass@1, pass@5, pass@10
        assertEquals(0.2916666666666667, TaskCatalogue.taskScore(Map.of("pass@1", 0.5, "pass@5", 0.25, "pass@10", 0.125)), 1e-15);
    }

    @Test
    void totalScoreDividesByFifteenAlways() {
        Map<String, Map<String, Double>> all = new LinkedHashMap<>();
        IN_TOTAL.forEach(name -> all.put(name, Map.of("acc", 1.0)));
        assertEquals(1.0, TaskCatalogue.totalScore(all));

        assertEquals(1.0 / 15, TaskCatalogue.totalScore(Map.of("parus", Map.of("acc", 1.0))), 1e-15);
        assertEquals(0.0, TaskCatalogue.totalScore(Map.of()));
        // RCB counts (acc + f1_macro) / 2 = 0.4; submission spelling accepted
        assertEquals(0.4 / 15, TaskCatalogue.totalScore(Map.of("RCB", Map.of("acc", 0.5, "f1_macro", 0.3))), 1e-15);
    }

    @Test
    void totalScoreIgnoresDiagnosticAndUnknownTasks() {
        Map<String, Map<String, Double>> metrics = new HashMap<>();
        for (String diagnostic : List.of("bps", "simplear", "ruhumaneval", "rummlu", "rudetox", "ruethics", "ruhatespeech", "ruhhh")) {
            metrics.put(diagnostic, Map.of("acc", 1.0, "em", 1.0, "pass@1", 1.0));
        }
        metrics.put("someothertask", Map.of("acc", 1.0));
        assertEquals(0.0, TaskCatalogue.totalScore(metrics));
        metrics.put("USE", Map.of("grade_norm", 0.6, "grade_norm.task1", 1.0));
        metrics.put("MaMuRAMu", Map.of("acc", 0.3, "acc.anatomy", 1.0));
        assertEquals((0.6 + 0.3) / 15, TaskCatalogue.totalScore(metrics), 1e-15);
    }

    @Test
    void aTaskUnderTwoSpellingsIsAnError() {
        Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        metrics.put("parus", Map.of("acc", 1.0));
        metrics.put("PARus", Map.of("acc", 0.0));
        assertThrows(IllegalArgumentException.class, () -> TaskCatalogue.totalScore(metrics));
    }
}
