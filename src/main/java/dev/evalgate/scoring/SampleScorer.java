package dev.evalgate.scoring;

import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

/** Turns one document's generated text into a scored sample: the task's answer extraction, then its own score. */
public final class SampleScorer {

    private static final Logger LOG = Logger.getLogger(SampleScorer.class);

    private final TaskCatalogue catalogue;
    private final GoldStore gold;
    private final CodeRunner code;
    private final String engine;

    public SampleScorer(TaskCatalogue catalogue, GoldStore gold, CodeRunner code, String engine) {
        this.catalogue = catalogue;
        this.gold = gold;
        this.code = code;
        this.engine = engine;
    }

    public SampleRecord score(EvalTag tag, List<String> outputs, long createdAtMillis, Double ttftMs, Double totalMs,
            String model) {
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
                // code tasks need the row's function and tests; without them the sample is kept unscored
                LOG.debugf(e, "no answer for %s/%s", taskName, tag.docId());
            }
        }
        return new SampleRecord(tag.run(), taskName, tag.docId(), List.copyOf(outputs), answer, score,
                createdAtMillis, ttftMs, totalMs, model, engine);
    }

    public GoldStore gold() {
        return gold;
    }

    public TaskCatalogue catalogue() {
        return catalogue;
    }
}
