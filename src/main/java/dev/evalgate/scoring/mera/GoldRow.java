package dev.evalgate.scoring.mera;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A MERA dataset row ({@code {instruction, inputs, outputs, meta}}): what the model was asked and, where the test set
 * is open, the gold answer.
 *
 * @param task lowercase task name as MERA writes it ({@code rummlu}, {@code parus}, ...)
 * @param docId the document id requests are tagged with (usually {@code meta.id}; ruTiE:
 *        {@code dialog_id:{d};question_id:{q}})
 */
public record GoldRow(String task, String docId, String instruction, JsonNode inputs, JsonNode outputs, JsonNode meta) {

    /** False for closed test sets, whose rows carry an empty {@code outputs}: known, but not scored. */
    public boolean hasGold() {
        if (outputs == null || outputs.isNull() || outputs.isMissingNode()) {
            return false;
        }
        if (outputs.isTextual()) {
            return !outputs.asText().isEmpty();
        }
        return !outputs.isContainerNode() || outputs.size() > 0;
    }
}
