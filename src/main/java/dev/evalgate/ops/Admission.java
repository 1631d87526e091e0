package dev.evalgate.ops;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Admission control in front of the engine: at most {@code maxRunning} sequences in flight (the engine's batch
 * capacity), then a bounded wait queue, interactive requests ahead of benchmark ones, each waiting at most
 * {@code maxWait}; past that, a refusal at once (429 with Retry-After), as text-generation-inference does instead of
 * vLLM's unbounded queue. A waiting request holds no thread; one whose client left is dropped before it reaches the
 * engine. While draining (shutdown), everything new is refused with 503. Thread-safe.
 */
public final class Admission {

    /** Why a request was not admitted: the HTTP status (429 or 503), what to say, and when to try again. */
    public record Refusal(int status, String message, long retryAfterSeconds) {
    }

    /** A request's places in flight; {@link #release()} frees them (once; later calls do nothing). */
    public interface Ticket {
        void release();

        /** How long the request waited for its places. */
        Duration queued();

        /**
         * What ends the request early when a drain runs out of time: it must end its streams and release; its stage
         * completes once the client has its last bytes.
         */
        void onStop(Supplier<? extends CompletionStage<?>> stop);
    }

    /** A ticket for work admitted elsewhere or not counted (a warm-up, a test): releasing and stopping do nothing. */
    public static Ticket untracked() {
        return new Ticket() {
            @Override
            public void release() {
            }

            @Override
            public Duration queued() {
                return Duration.ZERO;
            }

            @Override
            public void onStop(Supplier<? extends CompletionStage<?>> stop) {
            }
        };
    }

    /** A request waiting for places; {@link #withdraw()} drops it (its client left). */
    public interface Waiting {
        void withdraw();
    }

    private static final Waiting NOT_WAITING = () -> {
    };

    /** How long a drain out of time waits for the requests it stopped to send their last bytes. */
    static final Duration STOP_GRACE = Duration.ofSeconds(2);

    private final int maxRunning;
    private final int maxWaiting;
    private final boolean interactiveFirst;
    private final Duration maxWait;
    private final ScheduledExecutorService timers;
    private final PriorityQueue<Waiter> queue = new PriorityQueue<>(
            Comparator.comparingInt((Waiter w) -> w.priority).thenComparingLong(w -> w.order));
    private final AtomicLong order = new AtomicLong();
    private int running;
    private volatile boolean draining;
    /** The stop actions of admitted requests, until they release. */
    private final Set<Supplier<? extends CompletionStage<?>>> stoppers = ConcurrentHashMap.newKeySet();

    /**
     * @param maxRunning sequences in flight at once; 0 for no limit
     * @param maxWaiting requests that may wait for room
     * @param maxWait longest a request waits before it is refused
     * @param interactiveFirst whether interactive requests (no benchmark tag) wait ahead of benchmark ones
     */
    public Admission(int maxRunning, int maxWaiting, Duration maxWait, boolean interactiveFirst) {
        this.interactiveFirst = interactiveFirst;
        this.maxRunning = maxRunning <= 0 ? Integer.MAX_VALUE : maxRunning;
        this.maxWaiting = maxWaiting;
        this.maxWait = maxWait;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "evalgate-admission-timer");
            t.setDaemon(true);
            return t;
        });
    }

    private final class Waiter implements Waiting {
        final int sequences;
        final int priority;
        final long order;
        final long since = System.nanoTime();
        final Consumer<Ticket> admitted;
        final Consumer<Refusal> refused;
        final Executor later;
        ScheduledFuture<?> timeout;

        Waiter(int sequences, int priority, long order, Consumer<Ticket> admitted, Consumer<Refusal> refused,
                Executor later) {
            this.sequences = sequences;
            this.priority = priority;
            this.order = order;
            this.admitted = admitted;
            this.refused = refused;
            this.later = later;
        }

        @Override
        public void withdraw() {
            boolean removed;
            synchronized (Admission.this) {
                removed = queue.remove(this);
            }
            if (removed && timeout != null) {
                timeout.cancel(false);
            }
        }
    }

    /** A quick look before any work on a request: refuses at once when the wait queue is full or the gateway drains. */
    public Refusal refuseEarly() {
        if (draining) {
            return drainingRefusal();
        }
        synchronized (this) {
            if (running >= maxRunning && queue.size() >= maxWaiting) {
                return new Refusal(429, "The gateway is at capacity (" + running + " sequences running, "
                        + queue.size() + " requests waiting): try again shortly.", 1);
            }
        }
        return null;
    }

    /**
     * Asks for places for a request of {@code sequences} sequences. When there is room now, {@code admitted} runs on
     * the caller's thread before this returns; else the request waits, and {@code admitted} or {@code refused} runs
     * later through {@code later} (the request's own context).
     *
     * @param interactive a request from a person (no benchmark tag): it goes ahead of benchmark traffic in the queue,
     *        unless that is switched off
     */
    public Waiting admit(int sequences, boolean interactive, Consumer<Ticket> admitted, Consumer<Refusal> refused,
            Executor later) {
        int priority = interactive && interactiveFirst ? 0 : 1;
        if (draining) {
            refused.accept(drainingRefusal());
            return NOT_WAITING;
        }
        Waiter waiter;
        synchronized (this) {
            if (queue.isEmpty() && fits(sequences)) {
                running += sequences;
                waiter = null;
            } else if (queue.size() >= maxWaiting) {
                waiter = null;
                sequences = -1;
            } else {
                waiter = new Waiter(sequences, priority, order.incrementAndGet(), admitted, refused, later);
                Waiter w = waiter;
                // scheduled under the lock, so no one can take the waiter from the queue before it has its timeout
                waiter.timeout = timers.schedule(() -> timedOut(w), maxWait.toMillis(), TimeUnit.MILLISECONDS);
                queue.add(waiter);
            }
        }
        if (waiter == null) {
            if (sequences < 0) {
                refused.accept(new Refusal(429, "The gateway is at capacity (" + maxWaiting
                        + " requests waiting already): try again shortly.", 1));
            } else {
                admitted.accept(ticket(sequences, 0));
            }
            return NOT_WAITING;
        }
        return waiter;
    }

    /** A request of more sequences than the limit may run alone, or it would never run. */
    private boolean fits(int sequences) {
        return running + sequences <= maxRunning || running == 0;
    }

    private void timedOut(Waiter w) {
        boolean removed;
        synchronized (this) {
            removed = queue.remove(w);
        }
        if (removed) {
            w.later.execute(() -> w.refused.accept(new Refusal(429, "The request waited " + maxWait.toSeconds()
                    + " s for the engine (evalgate.admission.max-wait) without room: try again later.", 1)));
        }
    }

    private Ticket ticket(int sequences, long waitedNanos) {
        AtomicBoolean released = new AtomicBoolean();
        Duration queued = Duration.ofNanos(waitedNanos);
        AtomicReference<Supplier<? extends CompletionStage<?>>> stopper = new AtomicReference<>();
        return new Ticket() {
            @Override
            public void release() {
                if (released.compareAndSet(false, true)) {
                    Supplier<? extends CompletionStage<?>> stop = stopper.get();
                    if (stop != null) {
                        stoppers.remove(stop);
                    }
                    free(sequences);
                }
            }

            @Override
            public Duration queued() {
                return queued;
            }

            @Override
            public void onStop(Supplier<? extends CompletionStage<?>> stop) {
                stopper.set(stop);
                stoppers.add(stop);
                if (released.get()) {
                    stoppers.remove(stop);
                }
            }
        };
    }

    /** Frees places and lets in whoever fits next, in priority then arrival order. */
    private void free(int sequences) {
        while (true) {
            Waiter next;
            synchronized (this) {
                if (sequences > 0) {
                    running -= sequences;
                    sequences = 0;
                    notifyAll(); // a drain waits for running to reach 0
                }
                next = queue.peek();
                if (next == null || !fits(next.sequences)) {
                    return;
                }
                queue.poll();
                running += next.sequences;
            }
            next.timeout.cancel(false);
            Waiter admittedWaiter = next;
            Ticket ticket = ticket(next.sequences, System.nanoTime() - next.since);
            next.later.execute(() -> admittedWaiter.admitted.accept(ticket));
        }
    }

    /**
     * Drains the gateway for shutdown: new requests get 503 from now on and waiting ones are refused; admitted ones
     * may finish for up to {@code timeout}; those still running then are stopped (their streams end with an error
     * event, sent before this returns, for up to {@link #STOP_GRACE}). Returns how many had to be stopped. Blocks:
     * call from the shutdown thread.
     */
    public int drain(Duration timeout) {
        refuseNew();
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (running > 0 && System.nanoTime() < deadline) {
                try {
                    wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        List<Supplier<? extends CompletionStage<?>>> left = List.copyOf(stoppers);
        CompletableFuture<?>[] ends = left.stream().map(s -> s.get().toCompletableFuture())
                .toArray(CompletableFuture[]::new);
        try {
            // the error events go out before the server closes its connections
            CompletableFuture.allOf(ends).get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // a client that does not read its last bytes does not hold the shutdown
        }
        return left.size();
    }

    /** From now on every new request is refused with 503; those waiting are refused too. */
    void refuseNew() {
        draining = true;
        while (true) {
            Waiter w;
            synchronized (this) {
                w = queue.poll();
            }
            if (w == null) {
                return;
            }
            w.timeout.cancel(false);
            w.later.execute(() -> w.refused.accept(drainingRefusal()));
        }
    }

    private static Refusal drainingRefusal() {
        return new Refusal(503, "The gateway is shutting down: send the request to another replica.", 5);
    }

    public boolean draining() {
        return draining;
    }

    /** Sequences in flight. */
    public synchronized int running() {
        return running;
    }

    /** Requests waiting for room. */
    public synchronized int waiting() {
        return queue.size();
    }

    /** The limit on sequences in flight, {@link Integer#MAX_VALUE} when there is none. */
    public int maxRunning() {
        return maxRunning;
    }
}
