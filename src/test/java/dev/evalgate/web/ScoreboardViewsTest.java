package dev.evalgate.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.evalgate.scoring.mera.TaskCatalogue;
import dev.evalgate.scoring.runs.RequestSummary;
import dev.evalgate.scoring.runs.RunReport;
import dev.evalgate.scoring.runs.RunReport.TaskResult;
import dev.evalgate.scoring.runs.SampleRecord;
import dev.evalgate.store.RunReports;

/** What the scoreboard adds to a run's report: the partial total, unparsed answers, latency and throughput. */
class ScoreboardViewsTest {

    private final ScoreboardViews views = new ScoreboardViews(null, null, TaskCatalogue.mera(), Duration.ZERO);

    private static SampleRecord sample(String task, String doc, JsonNode answer, long at, Double ttft, Double total,
            int tokens) {
        return new SampleRecord(task + doc, "r", task, doc, new RequestSummary("c", 10, tokens, 16, 0, List.of("stop")),
                List.of("raw"), answer, null, at, ttft, total, "m", "synthetic", "");
    }

    private static TaskResult result(boolean inTotal, Double score) {
        return new TaskResult("X", inTotal, score, Map.of(), 1, 1, 1, null, null);
    }

    @Test
    void thePartialTotalIsTheMeanOverTheInTotalTasksWithAScore() {
        Map<String, TaskResult> tasks = new LinkedHashMap<>();
        tasks.put("parus", result(true, 0.5));
        tasks.put("rwsd", result(true, 1.0));
        tasks.put("rucodeeval", result(true, null)); // samples, but no gold yet: not seen
        tasks.put("bps", result(false, 0.0)); // diagnostic: never in the total
        RunReport report = new RunReport("r", 1.5 / 15, tasks);
        ScoreboardView view = views.build(new RunReports.Scored(4, 0, report, 4, 4), Map.of());
        assertEquals(0.75, view.partialTotal());
        assertEquals(2, view.tasksInTotalSeen());
        assertEquals(4, view.received());
        assertEquals(report, view.report(), "the report goes out exactly as the runs API has it");

        ScoreboardView empty = views.build(new RunReports.Scored(0, 0, new RunReport("r", 0, Map.of()), 0, 0), Map.of());
        assertNull(empty.partialTotal());
    }

    @Test
    void onlyRegexTasksHaveUnparsedAnswersAndThoseAreTheirFallback() {
        JsonNode fallback = TextNode.valueOf("-1");
        var ethicsFallback = JsonNodeFactory.instance.objectNode();
        var ethicsAnswer = JsonNodeFactory.instance.objectNode();
        for (String c : List.of("virtue", "law", "moral", "justice", "utilitarianism")) {
            ethicsFallback.put(c, "-1");
            ethicsAnswer.put(c, "1");
        }
        Map<String, Collection<SampleRecord>> samples = new LinkedHashMap<>();
        samples.put("parus", List.of(sample("parus", "0", fallback, 1, null, null, 1),
                sample("parus", "1", TextNode.valueOf("2"), 1, null, null, 1)));
        samples.put("ruethics", List.of(sample("ruethics", "0", ethicsFallback, 1, null, null, 1),
                sample("ruethics", "1", ethicsAnswer, 1, null, null, 1)));
        // "-1" is a real answer to an arithmetic question: free-text tasks have nothing unparsed
        samples.put("rumodar", List.of(sample("rumodar", "0", fallback, 1, null, null, 1)));
        samples.put("ruhumaneval", List.of(sample("ruhumaneval", "0", JsonNodeFactory.instance.arrayNode(), 1, null,
                null, 1)));
        ScoreboardView view = views.build(new RunReports.Scored(6, 0, new RunReport("r", 0, Map.of()), 4, 6), samples);
        assertEquals(new ScoreboardView.Answers(true, 2, 1), view.answers().get("parus"));
        assertEquals(new ScoreboardView.Answers(true, 2, 1), view.answers().get("ruethics"));
        assertEquals(new ScoreboardView.Answers(false, 1, 0), view.answers().get("rumodar"));
        assertFalse(view.answers().get("ruhumaneval").parses());
    }

    @Test
    void latencyDistributionsCountEveryTimedSample() {
        Map<String, Collection<SampleRecord>> samples = new LinkedHashMap<>();
        List<SampleRecord> parus = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            // ttft i ms; 11 tokens over ttft + 10·2 ms: 2 ms between tokens
            parus.add(sample("parus", String.valueOf(i), TextNode.valueOf("1"), 1000L * i, (double) i, i + 20.0, 11));
        }
        parus.add(sample("parus", "untimed", TextNode.valueOf("1"), 5000, null, null, 3));
        samples.put("parus", parus);
        ScoreboardView view = views.build(new RunReports.Scored(101, 0, new RunReport("r", 0, Map.of()), 1, 101),
                samples);
        ScoreboardView.Distribution ttft = view.ttftMs();
        assertEquals(100, ttft.values());
        assertEquals(100, ttft.counts().stream().mapToInt(Integer::intValue).sum());
        assertEquals(50.0, ttft.p50());
        assertEquals(90.0, ttft.p90());
        assertEquals(99.0, ttft.p99());
        assertEquals(1, ttft.counts().get(0), "≤ 1 ms");
        assertEquals(30, ttft.counts().get(ScoreboardViews.BUCKETS_MS.indexOf(50.0)), "21..50 ms");
        assertEquals(50, ttft.counts().get(ScoreboardViews.BUCKETS_MS.indexOf(100.0)), "51..100 ms");
        assertEquals(2.0, view.interTokenMs().p50());
        assertEquals(100, view.interTokenMs().values());
    }

    @Test
    void throughputIsTokensPerSecondOverStretchesOfTheRun() {
        List<SampleRecord> samples = new ArrayList<>();
        for (int s = 0; s < 10; s++) {
            samples.add(sample("parus", String.valueOf(s), TextNode.valueOf("1"), 1_000_000 + s * 1000L, 1.0, 2.0, 50));
        }
        List<ScoreboardView.Throughput> series = ScoreboardViews.throughput(samples);
        assertEquals(10, series.size(), "one point a second");
        for (ScoreboardView.Throughput point : series) {
            assertEquals(1000, point.lengthMillis());
            assertEquals(1, point.samples());
            assertEquals(50.0, point.tokensPerSecond());
        }
        assertTrue(ScoreboardViews.throughput(List.of()).isEmpty());
        assertEquals(Optional.empty(), ScoreboardViews.interTokenMs(sample("parus", "x", TextNode.valueOf("1"), 1, 1.0,
                2.0, 1)), "one token has no gap");
    }
}
