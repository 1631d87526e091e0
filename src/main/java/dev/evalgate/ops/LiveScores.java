package dev.evalgate.ops;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import dev.evalgate.scoring.runs.RunReport;
import dev.evalgate.store.RunReports;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Live scores on {@code /q/metrics}, equal to what the runs API reports: per run its total score, and per task its
 * score, samples scored and metric values ({@code evalgate_run_total_score}, {@code evalgate_run_task_score},
 * {@code evalgate_run_samples_scored}, {@code evalgate_run_metric}). Refreshed every interval from the cached reports;
 * cardinality is bounded: only the most recently active runs (at most {@code maxRuns}) are shown, and a run with no
 * new sample for {@code idle} ages out.
 */
public final class LiveScores implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LiveScores.class);

    private final MeterRegistry registry;
    private final RunReports reports;
    private final int maxRuns;
    private final Duration idle;
    private final ScheduledExecutorService refresher;
    /** Per shown run: when its sample count last changed, the count, and its meters with their current values. */
    private final Map<String, Shown> shown = new ConcurrentHashMap<>();
    /** Per run: its sample count when last read and when that count last changed (nanoTime). */
    private final Map<String, long[]> activity = new HashMap<>();
    private boolean watching;

    private static final class Shown {
        final Map<Meter.Id, double[]> values = new HashMap<>();
        final List<Meter> meters = new ArrayList<>();
    }

    public LiveScores(MeterRegistry registry, RunReports reports, int maxRuns, Duration idle, Duration every) {
        this.registry = registry;
        this.reports = reports;
        this.maxRuns = maxRuns;
        this.idle = idle;
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "evalgate-live-scores");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(this::refreshQuietly, every.toMillis(), every.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // a database that is away comes back; the next refresh catches up
            LOG.debugf(e, "live scores not refreshed");
        }
    }

    /** Reads the runs and updates the gauges (the scheduled refresh calls it; a test may too). */
    public synchronized void refresh() {
        long now = System.nanoTime();
        // runs already there at the first read are history: a run is active once it receives samples while watched
        long firstSeen = watching ? now : now - idle.toNanos();
        reports.runs().forEach((run, received) -> {
            long[] seen = activity.computeIfAbsent(run, r -> new long[] {received, firstSeen});
            if (seen[0] != received) {
                seen[0] = received;
                seen[1] = now;
            }
        });
        watching = true;
        List<String> active = activity.entrySet().stream()
                .filter(e -> now - e.getValue()[1] < idle.toNanos())
                .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[1]).reversed())
                .limit(maxRuns).map(Map.Entry::getKey).toList();
        for (String run : List.copyOf(shown.keySet())) {
            if (!active.contains(run)) {
                shown.remove(run).meters.forEach(registry::remove);
            }
        }
        for (String run : active) {
            RunReport report = reports.scored(run, activity.get(run)[0]).report();
            Shown s = shown.computeIfAbsent(run, r -> new Shown());
            set(s, "evalgate.run.total.score", Tags.of("run", run), report.totalScore(), "MERA's total score of a run");
            report.tasks().forEach((task, result) -> {
                Tags tags = Tags.of("run", run, "task", task);
                set(s, "evalgate.run.samples.scored", tags, result.samplesScored(), "Samples of a task scored");
                if (result.score() != null) {
                    set(s, "evalgate.run.task.score", tags, result.score(), "A task's score (MERA's task score)");
                }
                result.metrics().forEach((metric, value) -> set(s, "evalgate.run.metric",
                        tags.and("metric", metric), value, "A task's metric under MERA's name"));
            });
        }
    }

    private void set(Shown s, String name, Tags tags, double value, String description) {
        Meter.Id id = new Meter.Id(name, tags, null, description, Meter.Type.GAUGE);
        double[] holder = s.values.get(id);
        if (holder == null) {
            holder = new double[] {value};
            s.values.put(id, holder);
            double[] h = holder;
            s.meters.add(Gauge.builder(name, h, x -> x[0]).tags(tags).description(description).register(registry));
        }
        holder[0] = value;
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}
