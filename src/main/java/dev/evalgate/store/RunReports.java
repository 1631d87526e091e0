package dev.evalgate.store;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;

import dev.evalgate.scoring.mera.TaskCatalogue;
import dev.evalgate.scoring.runs.GoldStore;
import dev.evalgate.scoring.runs.RunReport;
import dev.evalgate.scoring.runs.SampleRecord;

/**
 * Runs as reports, read back from the store: a run's report is computed again only when the run has received more
 * samples or the gold changed since (the runs API, a live scoreboard and the live score metrics all ask often; a full
 * MERA run has some 20,000 samples). Thread-safe; reading the store blocks, so call from worker threads.
 */
public final class RunReports {

    /**
     * A run's report and what it was computed from.
     *
     * @param received the samples the run had received
     * @param samples the samples kept (a document sent again replaces its sample, code tasks add up)
     */
    public record Scored(long received, long goldVersion, RunReport report, int tasks, int samples) {
    }

    private final SampleStore store;
    private final GoldStore gold;
    private final TaskCatalogue catalogue;
    private final Map<String, Scored> cache = new ConcurrentHashMap<>();

    public RunReports(SampleStore store, GoldStore gold, TaskCatalogue catalogue) {
        this.store = store;
        this.gold = gold;
        this.catalogue = catalogue;
    }

    /** Every run with how many samples it has received. */
    public SortedMap<String, Long> runs() {
        return store.runs();
    }

    /** The run's report, empty when there is no such run. */
    public Optional<Scored> scored(String run) {
        Long received = store.runs().get(run);
        return received == null ? Optional.empty() : Optional.of(scored(run, received));
    }

    /** The run's report as of {@code received} samples (from {@link #runs()}). */
    public Scored scored(String run, long received) {
        long goldVersion = gold.version();
        Scored cached = cache.get(run);
        if (cached != null && cached.received() == received && cached.goldVersion() == goldVersion) {
            return cached;
        }
        Map<String, Collection<SampleRecord>> tasks = store.run(run).orElse(Map.of());
        Scored scored = new Scored(received, goldVersion, RunReport.build(run, tasks, gold, catalogue), tasks.size(),
                tasks.values().stream().mapToInt(Collection::size).sum());
        cache.put(run, scored);
        return scored;
    }
}
