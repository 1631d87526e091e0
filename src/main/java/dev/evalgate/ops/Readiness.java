package dev.evalgate.ops;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.InferenceEngine;
import dev.evalgate.engine.SamplingParams;

/**
 * Whether the gateway should get traffic, as Kubernetes' readiness probe asks: only once its engine has produced a
 * real token (a one-token warm-up generation at start, as trtllm-serve's {@code /health_generate} does, tried again
 * every few seconds until it works), not while it drains for shutdown, and not while the engine cannot serve (an
 * upstream pool with no healthy member).
 */
public final class Readiness implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Readiness.class);

    private final InferenceEngine engine;
    private final Admission admission;
    private final AtomicBoolean warm = new AtomicBoolean();
    private final AtomicInteger attempts = new AtomicInteger();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "evalgate-warmup");
        t.setDaemon(true);
        return t;
    });
    private volatile String lastFailure;

    public Readiness(InferenceEngine engine, Admission admission) {
        this.engine = engine;
        this.admission = admission;
    }

    /** Starts the warm-up generation from {@code prompt} (token ids); returns at once. */
    public void warmUp(int[] prompt) {
        int attempt = attempts.incrementAndGet();
        long started = System.nanoTime();
        SamplingParams oneToken = new SamplingParams(0, 1, 0, null, 1, List.of(), false);
        engine.generate(new GenerationRequest("warmup-" + attempt, prompt, oneToken))
                .select().first()
                .subscribe().with(step -> {
                    if (warm.compareAndSet(false, true)) {
                        LOG.infof("the %s engine produced its first token in %d ms: ready", engine.name(),
                                (System.nanoTime() - started) / 1_000_000);
                    }
                }, failure -> {
                    lastFailure = String.valueOf(failure.getMessage());
                    LOG.warnf("warm-up generation failed (%s); trying again in 5 s", lastFailure);
                    retries.schedule(() -> warmUp(prompt), 5, TimeUnit.SECONDS);
                });
    }

    /** Why the gateway is not ready, or null when it is. */
    public String notReadyBecause() {
        if (admission.draining()) {
            return "draining for shutdown";
        }
        if (!warm.get()) {
            return "the engine has not produced a token yet" + (lastFailure == null ? "" : ": " + lastFailure);
        }
        if (!engine.healthy()) {
            return "the " + engine.name() + " engine cannot serve now";
        }
        return null;
    }

    public boolean warm() {
        return warm.get();
    }

    @Override
    public void close() {
        retries.shutdownNow();
    }
}
