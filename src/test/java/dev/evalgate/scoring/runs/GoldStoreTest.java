package dev.evalgate.scoring.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.evalgate.scoring.mera.TaskCatalogue;

/** A gold folder with a broken file: the offline scorer stops on it; the gateway reports it and serves the rest. */
class GoldStoreTest {

    @TempDir
    Path dir;

    @Test
    void aCorruptGoldFileIsReportedNotFatalToTheGateway() throws Exception {
        Files.writeString(dir.resolve("parus.jsonl"), "{\"meta\": {\"id\": 1}, \"outputs\": \"1\"}\n");
        Files.writeString(dir.resolve("bps.jsonl"), "{\"meta\": {\"id\": 1}, \"outputs\": \"1\"}\n{not json\n");

        GoldFormatException offline = assertThrows(GoldFormatException.class,
                () -> GoldStore.load(TaskCatalogue.mera(), dir));
        assertTrue(offline.getMessage().contains("bps.jsonl:2"), offline.getMessage());

        GoldStore gateway = GoldStore.loadReporting(TaskCatalogue.mera(), dir);
        assertEquals(1, gateway.goldCount("parus"));
        assertEquals(0, gateway.goldCount("bps"));
        assertTrue(gateway.problems().get("bps").contains("bps.jsonl:2"), gateway.problems().toString());
    }
}
