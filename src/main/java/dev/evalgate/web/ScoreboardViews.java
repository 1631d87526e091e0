package dev.evalgate.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;

import dev.evalgate.scoring.mera.AnswerExtraction;
import dev.evalgate.scoring.mera.GoldRow;
import dev.evalgate.scoring.mera.MeraTask;
import dev.evalgate.scoring.mera.TaskCatalogue;
import dev.evalgate.scoring.runs.RunReport;
import dev.evalgate.scoring.runs.SampleRecord;
import dev.evalgate.store.RunReports;
import dev.evalgate.store.SampleStore;
import dev.evalgate.web.ScoreboardView.Answers;
import dev.evalgate.web.ScoreboardView.Distribution;
import dev.evalgate.web.ScoreboardView.Throughput;

/**
 * Scoreboard views of runs, made again only when the run's report is (more samples, other gold), and the store asked
 * at most once per {@code fresh} whatever the number of pages watching a run. Reading the store blocks, so call from
 * worker threads.
 */
public final class ScoreboardViews {

    /** Bucket bounds of the latency distributions, in milliseconds: roughly ×2 steps from 1 ms to 1 minute. */
    static final List<Double> BUCKETS_MS = List.of(1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0,
            2000.0, 5000.0, 10000.0, 20000.0, 60000.0);
    /** At most this many stretches of throughput over a run, each at least a second long. */
    static final int THROUGHPUT_POINTS = 40;

    private record Cached(RunReports.Scored scored, ScoreboardView view, long checkedAtNanos) {
    }

    private final RunReports reports;
    private final SampleStore store;
    private final TaskCatalogue catalogue;
    private final long freshNanos;
    private final Map<String, Boolean> parses = new ConcurrentHashMap<>();
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    /**
     * @param fresh how long a run's view is shown without asking the store again whether the run changed
     */
    public ScoreboardViews(RunReports reports, SampleStore store, TaskCatalogue catalogue, Duration fresh) {
        this.reports = reports;
        this.store = store;
        this.catalogue = catalogue;
        this.freshNanos = fresh.toNanos();
    }

    /** The run's view as of now (or of at most {@code fresh} ago); empty when there is no such run. */
    public Optional<ScoreboardView> view(String run) {
        long now = System.nanoTime();
        Cached cached = cache.get(run);
        if (cached != null && now - cached.checkedAtNanos() < freshNanos) {
            return Optional.of(cached.view());
        }
        Optional<RunReports.Scored> scored = reports.scored(run);
        if (scored.isEmpty()) {
            cache.remove(run);
            return Optional.empty();
        }
        ScoreboardView view = cached != null && cached.scored() == scored.get() ? cached.view()
                : build(scored.get(), store.run(run).orElse(Map.of()));
        cache.put(run, new Cached(scored.get(), view, now));
        return Optional.of(view);
    }

    ScoreboardView build(RunReports.Scored scored, Map<String, Collection<SampleRecord>> samples) {
        RunReport report = scored.report();
        Map<String, Answers> answers = new LinkedHashMap<>();
        List<Double> ttft = new ArrayList<>();
        List<Double> interToken = new ArrayList<>();
        List<SampleRecord> all = new ArrayList<>();
        samples.forEach((name, taskSamples) -> {
            Optional<MeraTask> task = catalogue.task(name);
            if (task.isEmpty()) {
                return;
            }
            boolean taskParses = parses(task.get());
            int unparsed = 0;
            for (SampleRecord s : taskSamples) {
                if (taskParses && isFallback(s.answer())) {
                    unparsed++;
                }
                if (s.ttftMs() != null) {
                    ttft.add(s.ttftMs());
                }
                interTokenMs(s).ifPresent(interToken::add);
                all.add(s);
            }
            answers.put(task.get().name(), new Answers(taskParses, taskSamples.size(), unparsed));
        });
        double sum = 0;
        int seen = 0;
        for (RunReport.TaskResult result : report.tasks().values()) {
            if (result.inTotal() && result.score() != null) {
                sum += result.score();
                seen++;
            }
        }
        return new ScoreboardView(report.run(), scored.received(), report, seen == 0 ? null : sum / seen, seen,
                answers, distribution(ttft), distribution(interToken), throughput(all));
    }

    /**
     * Whether the task's extraction answers MERA's "-1" when it finds nothing: asked of the extraction itself, with
     * an empty text (free-text tasks then answer "", code tasks a list of results).
     */
    private boolean parses(MeraTask task) {
        return parses.computeIfAbsent(task.name(), name -> {
            GoldRow probe = new GoldRow(name, "", "", JsonNodeFactory.instance.objectNode(), NullNode.getInstance(),
                    JsonNodeFactory.instance.objectNode());
            try {
                return isFallback(task.extract(List.of(""), probe, (function, completion, entry, tests) -> null));
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    /** {@code "-1"}, or ruEthics' object with {@code "-1"} for every criterion. */
    static boolean isFallback(JsonNode answer) {
        if (answer == null) {
            return false;
        }
        if (answer.isTextual()) {
            return AnswerExtraction.FALLBACK.equals(answer.asText());
        }
        if (!answer.isObject() || answer.isEmpty()) {
            return false;
        }
        for (JsonNode value : answer) {
            if (!isFallback(value)) {
                return false;
            }
        }
        return true;
    }

    /** The mean time between a sample's tokens after the first; empty without timings or with one token. */
    static Optional<Double> interTokenMs(SampleRecord s) {
        if (s.ttftMs() == null || s.totalMs() == null || s.request() == null || s.request().completionTokens() < 2) {
            return Optional.empty();
        }
        return Optional.of((s.totalMs() - s.ttftMs()) / (s.request().completionTokens() - 1));
    }

    static Distribution distribution(List<Double> values) {
        List<Integer> counts = new ArrayList<>();
        for (int i = 0; i <= BUCKETS_MS.size(); i++) {
            counts.add(0);
        }
        for (double v : values) {
            int bucket = 0;
            while (bucket < BUCKETS_MS.size() && v > BUCKETS_MS.get(bucket)) {
                bucket++;
            }
            counts.set(bucket, counts.get(bucket) + 1);
        }
        List<Double> sorted = values.stream().sorted().toList();
        return new Distribution(BUCKETS_MS, counts, values.size(), percentile(sorted, 50), percentile(sorted, 90),
                percentile(sorted, 99));
    }

    /** The nearest-rank percentile. */
    private static Double percentile(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return null;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    /** Generated tokens per second in up to {@link #THROUGHPUT_POINTS} equal stretches from first to last sample. */
    static List<Throughput> throughput(List<SampleRecord> samples) {
        List<SampleRecord> served = samples.stream().filter(s -> s.request() != null && s.createdAtMillis() > 0)
                .toList();
        if (served.isEmpty()) {
            return List.of();
        }
        long first = served.stream().mapToLong(SampleRecord::createdAtMillis).min().getAsLong();
        long last = served.stream().mapToLong(SampleRecord::createdAtMillis).max().getAsLong();
        long length = Math.max(1000, (last - first) / THROUGHPUT_POINTS + 1);
        int points = (int) ((last - first) / length) + 1;
        int[] counts = new int[points];
        long[] tokens = new long[points];
        for (SampleRecord s : served) {
            int i = (int) ((s.createdAtMillis() - first) / length);
            counts[i]++;
            tokens[i] += s.request().completionTokens();
        }
        List<Throughput> series = new ArrayList<>(points);
        for (int i = 0; i < points; i++) {
            series.add(new Throughput(first + i * length, length, counts[i], tokens[i] * 1000.0 / length));
        }
        return series;
    }
}
