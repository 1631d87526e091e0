package dev.evalgate.scoring.runs;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One scored document of a run: what the model said, the answer MERA would take from it, and how it was served.
 *
 * @param id unique per completion; what makes writing a sample twice (a replayed journal, a retried batch) harmless
 * @param request the request and how it ended, null when not served live
 * @param rawOutputs the generated texts as the client received them (several for code tasks: one per sample)
 * @param answer the extracted answer, as a MERA submission carries it
 * @param score this document's own score (the task's score over it alone), null without gold
 * @param ttftMs time from request to first token, null when not served live
 * @param totalMs time from request to last token, null when not served live
 * @param owner who sent it (a client key's owner name; {@code ""} or null when the gateway has no client keys): the
 *        first sample of a run makes its sender the run's owner
 */
public record SampleRecord(String id, String run, String task, String docId, RequestSummary request,
        List<String> rawOutputs, JsonNode answer, Double score, long createdAtMillis, Double ttftMs, Double totalMs,
        String model, String engine, String owner) {
}
