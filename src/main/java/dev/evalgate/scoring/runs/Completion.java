package dev.evalgate.scoring.runs;

import java.util.List;

/**
 * A finished completion of a benchmark document, as the gateway hands it to scoring.
 *
 * @param outputs the generated texts as the client received them, one per choice
 * @param request what was asked and how it ended; null when not served live (offline scoring)
 * @param ttftMs time from request to first token, null when not served live
 * @param totalMs time from request to last token, null when not served live
 * @param owner who sent it (see {@link SampleRecord#owner()})
 */
public record Completion(EvalTag tag, List<String> outputs, RequestSummary request, Double ttftMs, Double totalMs,
        String model, String owner) {

    /** A prediction read from a file: no request, no timings. */
    public static Completion offline(EvalTag tag, String output) {
        return new Completion(tag, List.of(output), null, null, null, null, null);
    }
}
