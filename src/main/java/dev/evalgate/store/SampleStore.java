package dev.evalgate.store;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.Consumer;

import dev.evalgate.scoring.runs.SampleRecord;

/**
 * Where scored samples and uploaded gold are kept, and where run results are read back from. Two kinds: PostgreSQL
 * when a datasource is configured (several replicas add up to one run), else a journal file in the data dir.
 */
public interface SampleStore extends Consumer<SampleRecord>, AutoCloseable {

    /** Takes a scored sample; returns at once and never throws: the store owns it from here. */
    @Override
    void accept(SampleRecord sample);

    /**
     * Every run, by name, with how many samples it has received: samples are only ever added, so a changed count
     * is a changed run.
     */
    SortedMap<String, Long> runs();

    /** The samples of a run by task, folded as {@link dev.evalgate.scoring.runs.RunScoreboard} does; empty when unknown. */
    Optional<Map<String, Collection<SampleRecord>>> run(String run);

    /** Who owns a run: the sender of its first sample ({@code ""} or empty for a run that belongs to no one). */
    Optional<String> owner(String run);

    /** Keeps an uploaded gold file so that it outlives a restart (and, with a database, reaches every replica). */
    void saveGold(String task, String fileName, String content);

    /** What the store is and how it is doing: mode, samples waiting, written, spilled to disk, the last error. */
    Map<String, Object> status();

    /** Writes or journals everything it holds, then stops. */
    @Override
    void close();
}
