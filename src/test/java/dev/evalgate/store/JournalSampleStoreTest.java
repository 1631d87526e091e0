package dev.evalgate.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.evalgate.scoring.mera.TaskCatalogue;
import dev.evalgate.scoring.runs.GoldStore;
import dev.evalgate.scoring.runs.RequestSummary;
import dev.evalgate.scoring.runs.SampleRecord;

/** The embedded store: what one gateway journaled, the next one started on the same data dir reads back. */
class JournalSampleStoreTest {

    @TempDir
    Path dir;

    static SampleRecord sample(String run, String task, String doc, String output, Double score) {
        return new SampleRecord(UUID.randomUUID().toString(), run, task, doc,
                new RequestSummary("chatcmpl-" + doc, 12, 3, 8, 0.0, List.of("stop")), List.of(output == null ? "" : output),
                output == null ? null : JsonNodeFactory.instance.textNode(output), score, System.currentTimeMillis(),
                4.5, 7.25, "m", "synthetic", null);
    }

    @Test
    void aRestartedStoreHasTheSameRunsSamplesAndGold() throws Exception {
        TaskCatalogue catalogue = TaskCatalogue.mera();
        JournalSampleStore first = new JournalSampleStore(dir, new GoldStore(catalogue));
        SampleRecord a = sample("r", "parus", "1", "1", 1.0);
        SampleRecord b = sample("r", "parus", "2", "2", 0.0);
        SampleRecord unscored = sample("r", "rudetox", "1", null, null);
        first.accept(a);
        first.accept(b);
        first.accept(unscored);
        first.accept(sample("other", "parus", "1", "2", 0.0));
        String gold = StoreTestSupport.parusGold(3);
        first.saveGold("parus", "parus.jsonl", gold);
        var before = first.run("r").orElseThrow();
        first.close();

        GoldStore reloaded = new GoldStore(catalogue);
        JournalSampleStore second = new JournalSampleStore(dir, reloaded);
        assertEquals(List.of("other", "r"), List.copyOf(second.runs().keySet()));
        assertEquals(3L, second.runs().get("r"), "samples received by run r");
        assertEquals(before, second.run("r").orElseThrow());
        assertEquals(4L, second.status().get("samples_read_back"));
        assertEquals(3, reloaded.goldCount("parus"), "uploaded gold is back too");
        second.close();
    }

    @Test
    void aLineTornByACrashIsSkippedAndTheRestIsKept() throws Exception {
        JournalSampleStore first = new JournalSampleStore(dir, new GoldStore(TaskCatalogue.mera()));
        first.accept(sample("r", "parus", "1", "1", 1.0));
        first.close();
        Files.writeString(dir.resolve("samples.jsonl"), "{\"id\":\"x\",\"run\":\"r\",\"ta", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);

        JournalSampleStore second = new JournalSampleStore(dir, new GoldStore(TaskCatalogue.mera()));
        assertEquals(1, second.run("r").orElseThrow().get("parus").size());
        second.accept(sample("r", "parus", "2", "2", 0.0));
        second.close();
        // the torn line stays a line of its own: what came after it is read back whole
        List<String> lines = Files.readAllLines(dir.resolve("samples.jsonl"));
        assertTrue(lines.get(lines.size() - 1).startsWith("{\"id\""), lines.toString());
        assertEquals(2, new JournalSampleStore(dir, new GoldStore(TaskCatalogue.mera())).run("r").orElseThrow()
                .get("parus").size());
    }

    @Test
    void aFullDiskLosesNoSampleOnceSpaceIsBack() throws Exception {
        JournalSampleStore store = new JournalSampleStore(dir, new GoldStore(TaskCatalogue.mera()));
        // the journal on /dev/full from here on: every write fails with "no space left on device"
        Path journal = dir.resolve("samples.jsonl");
        Files.createSymbolicLink(journal, Path.of("/dev/full"));
        for (int i = 0; i < 3; i++) {
            store.accept(sample("full", "parus", String.valueOf(i), "1", 1.0));
        }
        assertEquals(3, store.status().get("samples_waiting_for_disk"));
        assertEquals(3, store.run("full").orElseThrow().get("parus").size(), "still served from memory");

        // space is back: the next sample writes the waiting ones first, in order
        Files.delete(journal);
        store.accept(sample("full", "parus", "3", "1", 1.0));
        assertEquals(0, store.status().get("samples_waiting_for_disk"));
        store.close();
        JournalSampleStore restarted = new JournalSampleStore(dir, new GoldStore(TaskCatalogue.mera()));
        assertEquals(4, restarted.run("full").orElseThrow().get("parus").size());
        restarted.close();
    }

    @Test
    void aSecondGatewayOnTheSameJournalIsRefused() throws Exception {
        JournalSampleStore first = new JournalSampleStore(dir, new GoldStore(TaskCatalogue.mera()));
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> new JournalSampleStore(dir, new GoldStore(TaskCatalogue.mera())));
        assertTrue(refused.getMessage().contains("in use by another evalgate"), refused.getMessage());
        first.close();
        new JournalSampleStore(dir, new GoldStore(TaskCatalogue.mera())).close();
    }

    @Test
    void migrationScriptsSplitIntoStatements() {
        assertEquals(List.of("create table a (x int)", "create index i on a (x)"),
                SchemaMigrations.statements("-- head\ncreate table a (x int); -- tail\n\ncreate index i on a (x);\n"));
        assertEquals(1, SchemaMigrations.bundled().get(0).version());
    }
}
