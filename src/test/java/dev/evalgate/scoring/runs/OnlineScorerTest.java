package dev.evalgate.scoring.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.evalgate.scoring.mera.CodeRunner;
import dev.evalgate.scoring.mera.TaskCatalogue;
import io.opentelemetry.api.OpenTelemetry;

/** Nothing handed to scoring is lost: a full queue or a stopping gateway stores the sample unscored, and counts it. */
class OnlineScorerTest {

    /** A code runner (test double) that holds every run until released, as a slow sandbox would. */
    static final class HeldCodeRunner implements CodeRunner {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch started = new CountDownLatch(1);

        @Override
        public JsonNode run(String function, String completion, String entryPoint, String tests) {
            started.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return TextNode.valueOf("timed out");
        }
    }

    static final String CODE_ROW = "{\"instruction\": \"x\", \"inputs\": {\"function\": \"def f():\\n\", \"tests\": "
            + "\"[{}]\"}, \"outputs\": [\"1\"], \"meta\": {\"id\": 0}}";

    static Completion completion(String doc) {
        return new Completion(EvalTag.of("run", "ruhumaneval", doc), List.of("    return 1"), null, 1.0, 2.0, "m",
                null);
    }

    @Test
    void aFullQueueStoresTheSampleUnscoredInsteadOfDroppingIt() throws Exception {
        GoldStore gold = new GoldStore(TaskCatalogue.mera());
        gold.upload("ruhumaneval", "ruhumaneval.jsonl", CODE_ROW);
        HeldCodeRunner code = new HeldCodeRunner();
        List<SampleRecord> stored = new CopyOnWriteArrayList<>();
        OnlineScorer scorer = new OnlineScorer(new SampleScorer(TaskCatalogue.mera(), gold, code, "test"), stored::add,
                1, 1, 5_000, OpenTelemetry.noop().getTracer("test"));
        scorer.submit(completion("0"));
        code.started.await(10, TimeUnit.SECONDS);
        scorer.submit(completion("0")); // queued
        scorer.submit(completion("0")); // the queue is full
        assertEquals(1, stored.size(), "the one that did not fit is stored at once");
        assertNull(stored.get(0).score());
        assertEquals(List.of("    return 1"), stored.get(0).rawOutputs(), "with what the model said");
        assertEquals(1, scorer.unscored());
        code.release.countDown();
        Awaitility.await().until(() -> stored.size() == 3);
        scorer.close();
    }

    @Test
    void closingPastItsBudgetStoresWhatIsLeftUnscored() throws Exception {
        GoldStore gold = new GoldStore(TaskCatalogue.mera());
        gold.upload("ruhumaneval", "ruhumaneval.jsonl", CODE_ROW);
        HeldCodeRunner code = new HeldCodeRunner();
        List<SampleRecord> stored = new CopyOnWriteArrayList<>();
        OnlineScorer scorer = new OnlineScorer(new SampleScorer(TaskCatalogue.mera(), gold, code, "test"), stored::add,
                1, 10, 200, OpenTelemetry.noop().getTracer("test"));
        for (int i = 0; i < 4; i++) {
            scorer.submit(completion("0"));
        }
        code.started.await(10, TimeUnit.SECONDS);
        scorer.close();
        // the three waiting ones are stored unscored at once; the one being scored is interrupted and kept too
        Awaitility.await().until(() -> stored.size() == 4);
        assertEquals(3, scorer.unscored());
    }
}
