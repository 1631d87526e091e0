package dev.evalgate.scoring.mera;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One MERA task as data: names, whether it counts in the total, stop strings, document id form, and the extraction
 * and metric strategies it is composed of.
 *
 * @param name lowercase name ({@code rummlu})
 * @param submissionName file name in the submission zip ({@code ruMMLU})
 * @param inTotal counted in MERA's total score
 * @param until stop strings; the raw text is cut at the first occurrence of any of them, before any stripping
 * @param idForm how the task's document id is built from {@code meta}
 * @param extraction raw text → submitted answer
 * @param scoring submitted answers → metrics
 * @param notScoredBecause why this task is not scored here, or null
 */
public record MeraTaskSpec(String name, String submissionName, boolean inTotal, List<String> until, IdForm idForm,
        AnswerExtraction extraction, TaskMetrics scoring, String notScoredBecause) implements MeraTask {

    /** How a task names its documents. */
    public enum IdForm {
        /** {@code meta.id}. */
        META_ID,
        /** ruTiE's {@code dialog_id:{d};question_id:{q}} ({@code src/tasks/rutie.py}). */
        DIALOG_QUESTION;

        String of(JsonNode meta) {
            return switch (this) {
                case META_ID -> meta.path("id").asText();
                case DIALOG_QUESTION -> "dialog_id:" + meta.path("dialog_id").asText() + ";question_id:"
                        + meta.path("question_id").asText();
            };
        }
    }

    public MeraTaskSpec {
        until = List.copyOf(until);
    }

    @Override
    public List<String> stopSequences() {
        return until;
    }

    @Override
    public String docId(JsonNode meta) {
        return idForm.of(meta);
    }

    @Override
    public JsonNode extract(List<String> rawOutputs, GoldRow row, CodeRunner code) {
        List<String> cut = new ArrayList<>(rawOutputs.size());
        for (String raw : rawOutputs) {
            cut.add(cut(raw == null ? "" : raw));
        }
        return extraction.extract(cut, row, code);
    }

    /**
     * MERA's metrics over the answers whose gold is known (rows of closed test sets, blanked as MERA publishes them, are
     * skipped; none left → empty map).
     * Like the server, an answer of the wrong JSON type, or one it cannot score, zeroes every metric of the task.
     */
    @Override
    public Map<String, Double> metrics(List<ScoredAnswer> answers) {
        if (notScoredBecause != null) {
            return Map.of();
        }
        List<ScoredAnswer> scorable = answers.stream().filter(a -> hasKnownGold(a.gold())).toList();
        if (scorable.isEmpty()) {
            return Map.of();
        }
        try {
            for (ScoredAnswer answer : scorable) {
                if (!sameType(answer.gold().outputs(), answer.answer())) {
                    throw new UnscorableAnswerException("document " + answer.gold().docId() + ": outputs type "
                            + (answer.answer() == null ? "missing" : answer.answer().getNodeType()) + " is not the gold's "
                            + answer.gold().outputs().getNodeType());
                }
            }
            return scoring.score(scorable);
        } catch (UnscorableAnswerException e) {
            Map<String, Double> zeros = new LinkedHashMap<>();
            scoring.keys(scorable.stream().map(ScoredAnswer::gold).toList()).forEach(key -> zeros.put(key, 0.0));
            return zeros;
        }
    }

    @Override
    public Optional<String> unscoredReason() {
        return Optional.ofNullable(notScoredBecause);
    }

    /** The generated text up to the first occurrence of any stop string (HF's {@code s.split(term)[0]} per term). */
    public String cut(String raw) {
        int end = raw.length();
        for (String stop : until) {
            int at = stop.isEmpty() ? -1 : raw.indexOf(stop);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        return raw.substring(0, end);
    }

    // MERA's remove_outputs blanks closed gold to "" — and, for structured gold, to {criterion: ""} (ruEthics) or
    // [""] * n_tests (ruCodeEval) — which GoldRow.hasGold() alone would take for real answers.
    private static boolean hasKnownGold(GoldRow gold) {
        if (!gold.hasGold()) {
            return false;
        }
        JsonNode outputs = gold.outputs();
        if (!outputs.isContainerNode()) {
            return true;
        }
        for (JsonNode value : outputs) {
            if (!value.isTextual() || !value.asText().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    // The server's isinstance(pred, type(gold)) on JSON-decoded values.
    private static boolean sameType(JsonNode gold, JsonNode pred) {
        if (pred == null || pred.isMissingNode()) {
            return false;
        }
        if (gold.isIntegralNumber()) {
            return pred.isIntegralNumber() || pred.isBoolean();
        }
        if (gold.isFloatingPointNumber()) {
            return pred.isFloatingPointNumber();
        }
        return gold.getNodeType() == pred.getNodeType();
    }
}
