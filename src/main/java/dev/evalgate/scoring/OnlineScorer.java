package dev.evalgate.scoring;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

/**
 * Scores tagged completions after their last byte went out, on its own {@code evalgate-scoring-N} threads: a slow or
 * failing scorer (code tasks run programs) never slows or fails a response.
 */
public final class OnlineScorer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(OnlineScorer.class);

    private final SampleScorer scorer;
    private final RunScoreboard board;
    private final ThreadPoolExecutor executor;

    public OnlineScorer(SampleScorer scorer, RunScoreboard board, int threads, int queueCapacity) {
        this.scorer = scorer;
        this.board = board;
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueCapacity), r -> {
                    Thread t = new Thread(r, "evalgate-scoring-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, (r, pool) -> LOG.warn("scoring queue full: a sample was not scored"));
    }

    /** Queues a finished completion for scoring and returns at once. */
    public void submit(EvalTag tag, List<String> outputs, double ttftMs, double totalMs, String model) {
        long now = System.currentTimeMillis();
        executor.execute(() -> {
            try {
                board.record(scorer.score(tag, outputs, now, ttftMs, totalMs, model));
            } catch (RuntimeException e) {
                LOG.errorf(e, "could not score %s/%s/%s", tag.run(), tag.task(), tag.docId());
            }
        });
    }

    @Override
    public void close() {
        executor.shutdown();
    }
}
