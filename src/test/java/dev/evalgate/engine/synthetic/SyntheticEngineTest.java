package dev.evalgate.engine.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.GenerationStep;
import dev.evalgate.engine.ModelMetadata;
import dev.evalgate.engine.SamplingParams;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.Cancellable;

/** The synthetic engine: deterministic text, exact budgets, UTF-8-safe pieces, cancellation. */
class SyntheticEngineTest {

    /** A byte-level "vocabulary": id = one byte, so multi-byte characters span several ids. */
    static String decodeBytes(int[] ids) {
        byte[] b = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            b[i] = (byte) ids[i];
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    static int[] encodeBytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            ids[i] = b[i] & 0xff;
        }
        return ids;
    }

    static SyntheticEngine engine(String text, double tps) {
        return new SyntheticEngine(encodeBytes(text), SyntheticEngineTest::encodeBytes, SyntheticEngineTest::decodeBytes,
                tps, 4096, ModelMetadata.none());
    }

    static GenerationRequest request(int maxTokens, int... prompt) {
        return new GenerationRequest("r", prompt, new SamplingParams(0, 1, 0, null, maxTokens, List.of(), false));
    }

    @Test
    void piecesNeverSplitACharacterAndAddUpToTheText() {
        String text = "Привет 🙂 мир";
        String[] pieces = SyntheticEngine.pieces(encodeBytes(text), SyntheticEngineTest::decodeBytes);
        assertEquals(text, String.join("", pieces));
        for (String p : pieces) {
            assertTrue(!p.contains("\uFFFD"), p);
        }
        assertEquals("", pieces[0], "the first byte of 'П' is not a character yet");
        assertEquals("П", pieces[1]);
    }

    @Test
    void emitsExactlyTheBudgetDeterministically() {
        SyntheticEngine engine = engine("abcdef", 0);
        List<GenerationStep> a = engine.generate(request(10, 1, 2, 3)).collect().asList().await().atMost(Duration.ofSeconds(5));
        List<GenerationStep> b = engine.generate(request(10, 1, 2, 3)).collect().asList().await().atMost(Duration.ofSeconds(5));
        assertEquals(10, a.size());
        assertEquals(a, b);
        StringBuilder sb = new StringBuilder();
        a.forEach(s -> sb.append(s.text()));
        assertTrue(("abcdefabcdefabcdef").contains(sb), sb.toString());
        engine.close();
    }

    /** Memory per open stream: the engine takes what it needs from the prompt at the start and lets the ids go. */
    @Test
    void anOpenStreamHoldsNoPromptIds() {
        SyntheticEngine engine = engine("abc", 2);
        int[] prompt = new int[8192];
        WeakReference<int[]> ids = new WeakReference<>(prompt);
        // the Multi stays referenced, as a subscriber's operator chain may keep it for the stream's life
        Multi<GenerationStep> stream = engine.generate(request(1000, prompt));
        prompt = null;
        List<GenerationStep> seen = new CopyOnWriteArrayList<>();
        Cancellable subscription = stream.subscribe().with(seen::add);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            System.gc();
            return ids.get() == null;
        });
        assertTrue(seen.size() < 1000, "the stream is still open");
        assertEquals(1, engine.status().activeSequences(), "the stream is still open in the engine");
        subscription.cancel();
        engine.close();
    }

    @Test
    void pacedStreamsStopWhenCancelled() {
        SyntheticEngine engine = engine("xyz", 200);
        List<GenerationStep> seen = new CopyOnWriteArrayList<>();
        Cancellable c = engine.generate(request(100_000)).subscribe().with(seen::add);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() >= 3);
        c.cancel();
        int atCancel = seen.size();
        List<GenerationStep> after = new ArrayList<>(seen);
        // The same clock thread ticks another stream at the same rate: by its fifth tick the cancelled stream, had it
        // still been scheduled, would have had four more.
        List<GenerationStep> other = new CopyOnWriteArrayList<>();
        Cancellable o = engine.generate(request(100_000, 7)).subscribe().with(other::add);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> other.size() >= 5);
        o.cancel();
        assertTrue(seen.size() <= atCancel + 1, "at most the tick in flight arrives after cancel");
        assertArrayEquals(after.subList(0, atCancel).toArray(), seen.subList(0, atCancel).toArray());
        engine.close();
    }
}
