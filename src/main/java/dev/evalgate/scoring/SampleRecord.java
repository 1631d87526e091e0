package dev.evalgate.scoring;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One scored document of a run: what the model said, the answer MERA would take from it, and how it was served.
 *
 * @param rawOutputs the generated texts as the client received them (several for code tasks: one per sample)
 * @param answer the extracted answer, as a MERA submission carries it
 * @param score this document's own score (the task's score over it alone), null without gold
 * @param ttftMs time from request to first token, null when not served live
 * @param totalMs time from request to last token, null when not served live
 */
public record SampleRecord(String run, String task, String docId, List<String> rawOutputs, JsonNode answer,
        Double score, long createdAtMillis, Double ttftMs, Double totalMs, String model, String engine) {
}
