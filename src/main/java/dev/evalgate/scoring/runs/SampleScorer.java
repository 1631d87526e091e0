package dev.evalgate.scoring.runs;

import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.evalgate.scoring.mera.CodeRunner;
import dev.evalgate.scoring.mera.GoldRow;
import dev.evalgate.scoring.mera.MeraTask;
import dev.evalgate.scoring.mera.TaskCatalogue;

/** Turns one document's generated text into a scored sample: the task's answer extraction, then its own score. */
public final class SampleScorer {

    private static final Logger LOG = Logger.getLogger(SampleScorer.class);

    private final TaskCatalogue catalogue;
    private final GoldStore gold;
    private final CodeRunner code;
    private final String engine;
    private final java.util.Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public SampleScorer(TaskCatalogue catalogue, GoldStore gold, CodeRunner code, String engine) {
        this.catalogue = catalogue;
        this.gold = gold;
        this.code = code;
        this.engine = engine;
    }

    /** Scores a completion as the sample {@code id}, created at {@code createdAtMillis}. */
    public SampleRecord score(String id, Completion completion, long createdAtMillis) {
        EvalTag tag = completion.tag();
        List<String> outputs = completion.outputs();
        Optional<MeraTask> task = catalogue.task(tag.task());
        JsonNode answer = null;
        Double score = null;
        String taskName = task.map(MeraTask::name).orElse(tag.task());
        if (task.isPresent()) {
            GoldRow row = gold.row(taskName, tag.docId()).orElse(null);
            try {
                answer = task.get().extract(outputs, row, code);
                score = RunReport.sampleScore(task.get(), row, answer);
            } catch (RuntimeException e) {
                // e.g. a code task without its row's function and tests, or no sandbox on this host: the sample is
                // kept unscored, and the operator is told once per task why
                if (warned.add(taskName)) {
                    LOG.warnf("%s samples cannot be scored: %s", taskName, e.getMessage());
                }
                LOG.debugf(e, "no answer for %s/%s", taskName, tag.docId());
            }
        }
        return new SampleRecord(id, tag.run(), taskName, tag.docId(), completion.request(), List.copyOf(outputs),
                answer, score, createdAtMillis, completion.ttftMs(), completion.totalMs(), completion.model(), engine,
                completion.owner());
    }

    /** The completion as a sample that could not be scored (no time was left): kept, with its outputs, unscored. */
    public SampleRecord unscored(String id, Completion completion, long createdAtMillis) {
        EvalTag tag = completion.tag();
        String taskName = catalogue.task(tag.task()).map(MeraTask::name).orElse(tag.task());
        return new SampleRecord(id, tag.run(), taskName, tag.docId(), completion.request(),
                List.copyOf(completion.outputs()), null, null, createdAtMillis, completion.ttftMs(),
                completion.totalMs(), completion.model(), engine, completion.owner());
    }

    public GoldStore gold() {
        return gold;
    }

    public TaskCatalogue catalogue() {
        return catalogue;
    }
}
