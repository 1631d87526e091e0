package dev.evalgate.scoring.runs;

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
        return new EvalTag(run, task.toLowerCase(java.util.Locale.ROOT), docId);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
