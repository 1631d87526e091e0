package dev.evalgate.scoring.runs;

import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

/**
 * Scores tagged completions after their last byte went out, on its own {@code evalgate-scoring-N} threads: a slow or
 * failing scorer (code tasks run programs) never slows or fails a response. Scored samples go to the sink (the
 * sample store), which must not block for long.
 */
public final class OnlineScorer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(OnlineScorer.class);

    private final SampleScorer scorer;
    private final Consumer<SampleRecord> sink;
    private final ThreadPoolExecutor executor;

    public OnlineScorer(SampleScorer scorer, Consumer<SampleRecord> sink, int threads, int queueCapacity) {
        this.scorer = scorer;
        this.sink = sink;
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueCapacity), r -> {
                    Thread t = new Thread(r, "evalgate-scoring-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, (r, pool) -> LOG.warn("scoring queue full: a sample was not scored"));
    }

    /** Queues a finished completion for scoring and returns at once. */
    public void submit(Completion completion) {
        long now = System.currentTimeMillis();
        String id = UUID.randomUUID().toString();
        executor.execute(() -> {
            try {
                sink.accept(scorer.score(id, completion, now));
            } catch (RuntimeException e) {
                EvalTag tag = completion.tag();
                LOG.errorf(e, "could not score %s/%s/%s", tag.run(), tag.task(), tag.docId());
            }
        });
    }

    /** Scores what is queued (for up to 30 s), then stops: at shutdown every finished completion reaches the sink. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warnf("%d samples were still waiting to be scored at shutdown", executor.getQueue().size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
