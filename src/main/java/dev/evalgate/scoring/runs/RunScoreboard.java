package dev.evalgate.scoring.runs;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * The samples of every run, by task and document, as scoring records them. A document seen again replaces its
 * sample, except code-task samples, which add up: each request of a code task is one more generation of the problem.
 */
public final class RunScoreboard {

    private final Map<String, Map<String, Map<String, SampleRecord>>> runs = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> received = new ConcurrentHashMap<>();
    /** The sender of each run's first sample ({@code ""} for no one). */
    private final Map<String, String> owners = new ConcurrentHashMap<>();

    /** Records a sample and returns what is now stored for its document. */
    public SampleRecord record(SampleRecord sample) {
        Map<String, SampleRecord> docs = runs.computeIfAbsent(sample.run(), r -> new ConcurrentHashMap<>())
                .computeIfAbsent(sample.task(), t -> new ConcurrentHashMap<>());
        SampleRecord stored = docs.merge(sample.docId(), sample, RunScoreboard::merge);
        received.computeIfAbsent(sample.run(), r -> new AtomicLong()).incrementAndGet();
        owners.putIfAbsent(sample.run(), sample.owner() == null ? "" : sample.owner());
        return stored;
    }

    private static SampleRecord merge(SampleRecord old, SampleRecord added) {
        if (!isGenerationList(old.answer()) || !isGenerationList(added.answer())) {
            return added;
        }
        ArrayNode generations = JsonNodeFactory.instance.arrayNode();
        generations.addAll((ArrayNode) old.answer().get(0));
        generations.addAll((ArrayNode) added.answer().get(0));
        List<String> raw = new ArrayList<>(old.rawOutputs());
        raw.addAll(added.rawOutputs());
        return new SampleRecord(added.id(), added.run(), added.task(), added.docId(), added.request(), raw,
                JsonNodeFactory.instance.arrayNode().add(generations), added.score(), old.createdAtMillis(),
                added.ttftMs(), added.totalMs(), added.model(), added.engine(), old.owner());
    }

    /** A code task's answer: {@code [[generation results, ...]]}. */
    private static boolean isGenerationList(JsonNode answer) {
        return answer != null && answer.isArray() && answer.size() == 1 && answer.get(0).isArray();
    }

    /** Who owns a run: the sender of its first sample; {@code ""} for a run that belongs to no one. */
    public Optional<String> owner(String run) {
        return Optional.ofNullable(owners.get(run));
    }

    /** Every run with how many samples it has received (a count that only grows), by name. */
    public SortedMap<String, Long> runs() {
        SortedMap<String, Long> out = new TreeMap<>();
        received.forEach((run, n) -> out.put(run, n.get()));
        return out;
    }

    /** The samples of a run by task, or empty when the run is unknown. */
    public Optional<Map<String, Collection<SampleRecord>>> run(String run) {
        Map<String, Map<String, SampleRecord>> tasks = runs.get(run);
        if (tasks == null) {
            return Optional.empty();
        }
        Map<String, Collection<SampleRecord>> out = new TreeMap<>();
        tasks.forEach((task, docs) -> out.put(task, List.copyOf(docs.values())));
        return Optional.of(out);
    }
}
