package dev.evalgate.scoring.runs;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * Scores tagged completions after their last byte went out, on its own {@code evalgate-scoring-N} threads: a slow or
 * failing scorer (code tasks run programs) never slows or fails a response. Scored samples go to the sink (the
 * sample store), which must not block for long. Nothing is dropped: a completion that cannot be scored in time (the
 * queue is full, or the gateway is stopping) is stored unscored, with its outputs, and counted.
 */
public final class OnlineScorer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(OnlineScorer.class);

    private final SampleScorer scorer;
    private final Consumer<SampleRecord> sink;
    private final ThreadPoolExecutor executor;
    private final long closeMillis;
    private final AtomicLong unscored = new AtomicLong();
    private final Tracer tracer;

    /**
     * @param closeMillis how long {@link #close()} lets queued samples be scored before storing the rest unscored
     * @param tracer for the scoring span, in the trace of the request it scores
     */
    public OnlineScorer(SampleScorer scorer, Consumer<SampleRecord> sink, int threads, int queueCapacity,
            long closeMillis, Tracer tracer) {
        this.tracer = tracer;
        this.scorer = scorer;
        this.sink = sink;
        this.closeMillis = closeMillis;
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueCapacity), r -> {
                    Thread t = new Thread(r, "evalgate-scoring-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, (r, pool) -> storeUnscored((Scoring) r, pool.isShutdown() ? "the gateway is stopping"
                        : "the scoring queue is full"));
    }

    /** A completion waiting to be scored. */
    private final class Scoring implements Runnable {
        final String id = UUID.randomUUID().toString();
        final Completion completion;
        final long at = System.currentTimeMillis();
        /** The trace of the request that produced the completion. */
        final Context trace = Context.current();

        Scoring(Completion completion) {
            this.completion = completion;
        }

        @Override
        public void run() {
            EvalTag tag = completion.tag();
            Span span = tracer.spanBuilder("evalgate.scoring").setParent(trace)
                    .setAttribute("evalgate.run", tag.run()).setAttribute("evalgate.task", tag.task())
                    .setAttribute("evalgate.doc_id", tag.docId()).startSpan();
            try (Scope ignored = span.makeCurrent()) {
                sink.accept(scorer.score(id, completion, at));
            } catch (RuntimeException e) {
                span.recordException(e).setStatus(StatusCode.ERROR);
                LOG.errorf(e, "could not score %s/%s/%s", tag.run(), tag.task(), tag.docId());
                sink.accept(scorer.unscored(id, completion, at));
            } finally {
                span.end();
            }
        }
    }

    /** Queues a finished completion for scoring and returns at once. */
    public void submit(Completion completion) {
        executor.execute(new Scoring(completion));
    }

    /** Completions stored without a score since start, because they could not be scored in time. */
    public long unscored() {
        return unscored.get();
    }

    private void storeUnscored(Scoring s, String why) {
        long n = unscored.incrementAndGet();
        if (n == 1 || n % 1000 == 0) {
            LOG.warnf("%s: a sample is stored unscored (%d so far)", why, n);
        }
        sink.accept(scorer.unscored(s.id, s.completion, s.at));
    }

    /**
     * Scores what is queued for up to the close budget, then stores the rest unscored: at shutdown every finished
     * completion reaches the sink, inside Kubernetes' grace period.
     */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(closeMillis, TimeUnit.MILLISECONDS)) {
                List<Runnable> left = executor.shutdownNow();
                LOG.warnf("%d samples were still waiting to be scored at shutdown: stored unscored", left.size());
                left.forEach(r -> storeUnscored((Scoring) r, "the gateway is stopping"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
