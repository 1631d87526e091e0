package dev.evalgate.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Admission: room, then a bounded queue in priority order with a maximum wait, then refusals; and the drain. */
class AdmissionTest {

    static final Executor DIRECT = Runnable::run;

    /** What happened to the requests a test sent, in order. */
    static final class Outcomes {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<Admission.Ticket> tickets = new CopyOnWriteArrayList<>();

        Admission.Waiting ask(Admission admission, String name, int sequences, int priority) {
            return admission.admit(sequences, priority == 0, ticket -> {
                events.add(name + " admitted");
                tickets.add(ticket);
            }, refusal -> events.add(name + " refused " + refusal.status()), DIRECT);
        }
    }

    @Test
    void requestsBeyondTheRoomWaitAndGoInPriorityThenArrivalOrder() {
        Admission admission = new Admission(2, 10, Duration.ofSeconds(30), true);
        Outcomes o = new Outcomes();
        o.ask(admission, "a", 1, 1);
        o.ask(admission, "b", 1, 1);
        o.ask(admission, "bench-1", 1, 1);
        o.ask(admission, "bench-2", 1, 1);
        o.ask(admission, "person", 1, 0);
        assertEquals(List.of("a admitted", "b admitted"), o.events);
        assertEquals(2, admission.running());
        assertEquals(3, admission.waiting());
        o.tickets.get(0).release();
        o.tickets.get(0).release(); // a second release frees nothing more
        assertEquals("person admitted", o.events.get(2), "interactive traffic goes ahead of benchmark traffic");
        o.tickets.get(1).release();
        assertEquals("bench-1 admitted", o.events.get(3));
        assertEquals(2, admission.running());
        assertEquals(1, admission.waiting());
    }

    @Test
    void withInteractiveFirstOffTheQueueIsArrivalOrder() {
        Admission admission = new Admission(1, 10, Duration.ofSeconds(30), false);
        Outcomes o = new Outcomes();
        o.ask(admission, "a", 1, 1);
        o.ask(admission, "bench", 1, 1);
        o.ask(admission, "person", 1, 0);
        o.tickets.get(0).release();
        assertEquals(List.of("a admitted", "bench admitted"), o.events);
    }

    @Test
    void aFullQueueRefusesAtOnceAndAWaitPastTheMaximumIsRefused() {
        Admission admission = new Admission(1, 1, Duration.ofMillis(200), true);
        Outcomes o = new Outcomes();
        o.ask(admission, "a", 1, 1);
        o.ask(admission, "b", 1, 1);
        assertEquals(429, admission.refuseEarly().status(), "the queue is full: refused before any work");
        assertTrue(admission.refuseEarly().retryAfterSeconds() > 0);
        o.ask(admission, "c", 1, 1);
        assertEquals(List.of("a admitted", "c refused 429"), o.events);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> o.events.contains("b refused 429"));
        assertEquals(0, admission.waiting());
        assertNull(admission.refuseEarly());
    }

    @Test
    void aRequestWhoseClientLeftNeverRuns() {
        Admission admission = new Admission(1, 10, Duration.ofSeconds(30), true);
        Outcomes o = new Outcomes();
        o.ask(admission, "a", 1, 1);
        Admission.Waiting gone = o.ask(admission, "gone", 1, 1);
        o.ask(admission, "next", 1, 1);
        gone.withdraw();
        o.tickets.get(0).release();
        assertEquals(List.of("a admitted", "next admitted"), o.events);
    }

    @Test
    void aRequestOfMoreSequencesThanTheLimitRunsAlone() {
        Admission admission = new Admission(4, 10, Duration.ofSeconds(30), true);
        Outcomes o = new Outcomes();
        o.ask(admission, "small", 1, 1);
        o.ask(admission, "n=8", 8, 1);
        assertEquals(List.of("small admitted"), o.events);
        o.tickets.get(0).release();
        assertEquals(List.of("small admitted", "n=8 admitted"), o.events);
        assertEquals(8, admission.running());
    }

    @Test
    void aDrainRefusesNewAndWaitingRequestsLetsAdmittedOnesFinishThenStopsTheRest() throws Exception {
        Admission admission = new Admission(2, 10, Duration.ofSeconds(30), true);
        Outcomes o = new Outcomes();
        o.ask(admission, "quick", 1, 1);
        o.ask(admission, "slow", 1, 1);
        o.ask(admission, "waiting", 1, 1);
        AtomicReference<String> stopped = new AtomicReference<>();
        o.tickets.get(1).onStop(() -> {
            stopped.set("slow");
            o.tickets.get(1).release();
            return CompletableFuture.completedFuture(null);
        });
        long start = System.nanoTime();
        CompletableFuture<Integer> draining = CompletableFuture.supplyAsync(() -> admission.drain(Duration.ofMillis(300)));
        Awaitility.await().until(admission::draining);
        o.tickets.get(0).release(); // the quick one finishes inside the drain time
        int stoppedCount = draining.get(10, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(1, stoppedCount);
        assertEquals("slow", stopped.get(), "the one still running when time ran out was stopped");
        assertTrue(o.events.contains("waiting refused 503"));
        assertTrue(ms >= 250, "the drain waited for its time: " + ms + " ms");
        assertEquals(503, admission.refuseEarly().status());
        o.ask(admission, "late", 1, 1);
        assertTrue(o.events.contains("late refused 503"));
        assertEquals(0, admission.running());
    }
}
