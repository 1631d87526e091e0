package dev.evalgate.scoring.mera;

import static dev.evalgate.scoring.mera.AnswerExtraction.codeResults;
import static dev.evalgate.scoring.mera.AnswerExtraction.digitChoice;
import static dev.evalgate.scoring.mera.AnswerExtraction.digitForEveryCriterion;
import static dev.evalgate.scoring.mera.AnswerExtraction.leftStripped;
import static dev.evalgate.scoring.mera.AnswerExtraction.letterChoice;
import static dev.evalgate.scoring.mera.AnswerExtraction.stripped;
import static dev.evalgate.scoring.mera.AnswerExtraction.strippedDigitChoice;
import static dev.evalgate.scoring.mera.AnswerExtraction.yesNo;
import static dev.evalgate.scoring.mera.TaskMetrics.accuracy;
import static dev.evalgate.scoring.mera.TaskMetrics.accuracyAndF1Macro;
import static dev.evalgate.scoring.mera.TaskMetrics.accuracyBy;
import static dev.evalgate.scoring.mera.TaskMetrics.ethicsCorrelations;
import static dev.evalgate.scoring.mera.TaskMetrics.exactMatch;
import static dev.evalgate.scoring.mera.TaskMetrics.none;
import static dev.evalgate.scoring.mera.TaskMetrics.passAtK;
import static dev.evalgate.scoring.mera.TaskMetrics.squad;
import static dev.evalgate.scoring.mera.TaskMetrics.useGrades;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.evalgate.scoring.mera.MeraTaskSpec.IdForm;

/** The 23 tasks of MERA v1.2.0 in generative mode ({@code mera_gen}), and MERA's task and total scores. */
public final class TaskCatalogue {

    private static final boolean IN_TOTAL = true;
    private static final boolean DIAGNOSTIC = false;
    private static final List<String> LINE = List.of("\n");
    private static final List<String> USE_STOPS = List.of("\n", ".");
    private static final List<String> CODE_STOPS = List.of("\nclass", "\ndef", "\n#", "\nif", "\nprint");

    private static final String RUDETOX_UNSCORED = "ruDetox is not scored here: MERA scores it as J = mean(STA·SIM·FL),"
            + " which needs three neural classifiers (IlyaGusev/rubertconv_toxic_clf for style, "
            + "s-nlp/rubert-base-cased-conversational-paraphrase-v1 for meaning, s-nlp/ruRoberta-large-RuCoLa-v1 for "
            + "fluency, each calibrated with MERA's isotonic table); evalgate runs none of them, so it reports no "
            + "number rather than an approximation.";

    private static final TaskCatalogue MERA = new TaskCatalogue(List.of(
            task("bps", "BPS", DIAGNOSTIC, LINE, digitChoice(), accuracy()),
            task("chegeka", "CheGeKa", IN_TOTAL, LINE, leftStripped(), squad()),
            task("lcs", "LCS", IN_TOTAL, LINE, digitChoice(), accuracy()),
            task("mathlogicqa", "MathLogicQA", IN_TOTAL, LINE, letterChoice(), accuracy()),
            task("multiq", "MultiQ", IN_TOTAL, LINE, leftStripped(), squad()),
            task("parus", "PARus", IN_TOTAL, LINE, digitChoice(), accuracy()),
            task("rcb", "RCB", IN_TOTAL, LINE, digitChoice(), accuracyAndF1Macro()),
            new MeraTaskSpec("rudetox", "ruDetox", DIAGNOSTIC, LINE, IdForm.META_ID, stripped(), none(), RUDETOX_UNSCORED),
            task("ruethics", "ruEthics", DIAGNOSTIC, LINE, digitForEveryCriterion(), ethicsCorrelations()),
            task("ruhatespeech", "ruHateSpeech", DIAGNOSTIC, LINE, digitChoice(),
                    accuracyBy(row -> row.inputs().path("target_group"))),
            task("ruhhh", "ruHHH", DIAGNOSTIC, LINE, digitChoice(), accuracyBy(row -> row.meta().path("criteria"))),
            task("ruhumaneval", "ruHumanEval", DIAGNOSTIC, CODE_STOPS, codeResults(), passAtK(1, 5, 10)),
            task("rucodeeval", "ruCodeEval", IN_TOTAL, CODE_STOPS, codeResults(), passAtK(1, 5, 10)),
            task("rummlu", "ruMMLU", DIAGNOSTIC, LINE, letterChoice(), accuracyBy(row -> row.meta().path("domain"))),
            task("mamuramu", "MaMuRAMu", IN_TOTAL, LINE, letterChoice(), accuracyBy(row -> row.meta().path("domain"))),
            task("rumodar", "ruModAr", IN_TOTAL, LINE, leftStripped(), exactMatch()),
            task("rumultiar", "ruMultiAr", IN_TOTAL, LINE, leftStripped(), exactMatch()),
            task("ruopenbookqa", "ruOpenBookQA", IN_TOTAL, LINE, letterChoice(), accuracyAndF1Macro()),
            new MeraTaskSpec("rutie", "ruTiE", IN_TOTAL, LINE, IdForm.DIALOG_QUESTION, strippedDigitChoice(), accuracy(), null),
            task("ruworldtree", "ruWorldTree", IN_TOTAL, LINE, letterChoice(), accuracyAndF1Macro()),
            task("rwsd", "RWSD", IN_TOTAL, LINE, yesNo(), accuracy()),
            task("simplear", "SimpleAr", DIAGNOSTIC, LINE, leftStripped(), exactMatch()),
            task("use", "USE", IN_TOTAL, USE_STOPS, leftStripped(), useGrades())));

    private final List<MeraTask> tasks;
    private final Map<String, MeraTask> byName = new LinkedHashMap<>();

    private TaskCatalogue(List<MeraTask> tasks) {
        this.tasks = List.copyOf(tasks);
        for (MeraTask task : tasks) {
            byName.put(task.name(), task);
            byName.put(task.submissionName().toLowerCase(Locale.ROOT), task);
        }
    }

    /** MERA v1.2.0. */
    public static TaskCatalogue mera() {
        return MERA;
    }

    /** A task by its lowercase name ({@code parus}) or, in any case, its submission name ({@code PARus}, {@code ruMMLU}). */
    public Optional<MeraTask> task(String name) {
        return Optional.ofNullable(byName.get(name.toLowerCase(Locale.ROOT)));
    }

    /** All 23 tasks, always in the same order. */
    public List<MeraTask> tasks() {
        return tasks;
    }

    /**
     * A task's score in the total ({@code average_results}): the mean of the metrics whose key has no '.', so
     * sub-metrics such as {@code acc.<domain>} or {@code grade_norm.task16} never count; 0 when there are none.
     */
    public static double taskScore(Map<String, Double> metrics) {
        List<Double> top = new ArrayList<>();
        metrics.forEach((key, value) -> {
            if (!key.contains(".")) {
                top.add(value);
            }
        });
        return Mean.python(top);
    }

    /**
     * MERA's total score: the mean of {@link #taskScore} over the 15 in-total tasks, always divided by 15, a missing
     * task counting 0 (as the server's {@code zero_results} does). Keys are task names in either spelling; diagnostic
     * and unknown tasks are ignored.
     *
     * @throws IllegalArgumentException when one task appears under two spellings
     */
    public static double totalScore(Map<String, Map<String, Double>> metricsByTask) {
        Map<MeraTask, Map<String, Double>> found = new LinkedHashMap<>();
        metricsByTask.forEach((name, metrics) -> MERA.task(name).ifPresent(task -> {
            if (found.put(task, metrics) != null) {
                throw new IllegalArgumentException("task " + task.name() + " given twice");
            }
        }));
        List<Double> scores = new ArrayList<>();
        for (MeraTask task : MERA.tasks) {
            if (task.inTotal()) {
                Map<String, Double> metrics = found.get(task);
                scores.add(metrics == null ? 0.0 : taskScore(metrics));
            }
        }
        return Mean.python(scores);
    }

    private static MeraTask task(String name, String submissionName, boolean inTotal, List<String> until,
            AnswerExtraction extraction, TaskMetrics scoring) {
        return new MeraTaskSpec(name, submissionName, inTotal, until, IdForm.META_ID, extraction, scoring, null);
    }
}
