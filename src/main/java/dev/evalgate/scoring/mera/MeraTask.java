package dev.evalgate.scoring.mera;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/** A MERA v1.2.0 task: its data conventions plus two small functions, extract the answer and score a set of answers. */
public interface MeraTask {

    /** Lowercase name as MERA's datasets and harness write it: {@code rummlu}, {@code parus}, {@code rutie}. */
    String name();

    /** The name of its file in a submission zip, without {@code .json}: {@code ruMMLU}, {@code PARus}, {@code ruTiE}. */
    String submissionName();

    /** Whether MERA counts it in the total score (15 tasks do). */
    boolean inTotal();

    /** The stop sequences ({@code until}) MERA generates this task with; the raw text is cut at the first of them. */
    List<String> stopSequences();

    /** The document id of a dataset row, as requests are tagged and submissions carry it. */
    default String docId(JsonNode meta) {
        return meta.path("id").asText();
    }

    /**
     * The answer MERA would submit for one document, from the raw generated text(s) (several for code tasks: one per
     * sample), exactly as MERA's harness post-processes them in generative mode.
     */
    JsonNode extract(List<String> rawOutputs, GoldRow row, CodeRunner code);

    /** MERA's metrics over this task's answers, under MERA's key names ({@code acc}, {@code f1_macro}, {@code acc.women}...). */
    Map<String, Double> metrics(List<ScoredAnswer> answers);

    /**
     * The {@code meta} a submission file carries for a document: the id fields of its gold row, or, without one, the
     * id parsed back from the document id ({@code dialog_id:{d};question_id:{q}} for ruTiE).
     */
    default JsonNode submissionMeta(String docId, GoldRow row) {
        com.fasterxml.jackson.databind.node.ObjectNode meta = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode();
        if (row != null && row.meta() != null) {
            for (String field : List.of("id", "dialog_id", "question_id", "id_task", "variant")) {
                if (row.meta().has(field)) {
                    meta.set(field, row.meta().get(field));
                }
            }
            return meta;
        }
        for (String part : docId.split(";")) {
            int colon = part.indexOf(':');
            if (colon > 0) {
                meta.set(part.substring(0, colon), number(part.substring(colon + 1)));
            } else {
                meta.set("id", number(part));
            }
        }
        return meta;
    }

    private static JsonNode number(String s) {
        try {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.numberNode(Long.parseLong(s));
        } catch (NumberFormatException e) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode(s);
        }
    }

    /** Why this task cannot be scored here (ruDetox needs three neural classifiers), or empty. */
    default Optional<String> unscoredReason() {
        return Optional.empty();
    }
}
