package dev.evalgate.scoring.runs;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Marks a request as one document of a benchmark run: from the OpenAI {@code metadata} object ({@code eval_run},
 * {@code task}, {@code doc_id}) or the headers {@code X-Eval-Run}, {@code X-Eval-Task}, {@code X-Eval-Doc-Id}.
 */
public record EvalTag(String run, String task, String docId) {

    /** A tag from whichever source has all three values, metadata first; null when the request is not tagged. */
    public static EvalTag of(String run, String task, String docId) {
        if (blank(run) || blank(task) || blank(docId)) {
            return null;
        }
        return new EvalTag(run, task.toLowerCase(Locale.ROOT), docId);
    }

    /**
     * The tag of a request: from its OpenAI {@code metadata} when that has all three values, else from its headers;
     * null when it is not tagged.
     */
    public static EvalTag of(Map<String, Object> metadata, Function<String, String> header) {
        if (metadata != null) {
            EvalTag tag = of(string(metadata.get("eval_run")), string(metadata.get("task")),
                    string(metadata.get("doc_id")));
            if (tag != null) {
                return tag;
            }
        }
        return of(header.apply("X-Eval-Run"), header.apply("X-Eval-Task"), header.apply("X-Eval-Doc-Id"));
    }

    private static String string(Object value) {
        return value == null ? null : value.toString();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
