package dev.evalgate.store;

import static dev.evalgate.store.StoreTestSupport.complete;
import static dev.evalgate.store.StoreTestSupport.getJson;
import static dev.evalgate.store.StoreTestSupport.tagged;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The gateway starts while PostgreSQL is unreachable: it serves and scores anyway, and once the database answers it
 * migrates (if needed) and writes everything it kept.
 */
@QuarkusTest
@TestProfile(DatabaseLateTest.DatabaseAwayAtStart.class)
class DatabaseLateTest {

    /** As {@link DatabaseOutageTest}, but the proxy is cut before the gateway starts. */
    public static class DatabaseAwayAtStart extends DatabaseOutageTest.BehindProxy {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("evalgate.data-dir", "target/evalgate-data-late");
            return config;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(DatabaseOutageTest.Proxy.class, Map.of("cut", "true")));
        }
    }

    @Test
    void aGatewayStartedWithoutItsDatabaseServesAndWritesEverythingOnceItIsThere() {
        String run = "late-" + UUID.randomUUID();
        try {
            JsonNode status = getJson(null, "/v1/evals/store");
            assertFalse(status.path("database_reachable").asBoolean(), status.toString());
            for (int i = 0; i < 12; i++) {
                complete(null, tagged(run, "parus", String.valueOf(i), i % 2 == 0));
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> getJson(null, "/v1/evals/store").path("samples_spilled").asLong() > 0);
        } finally {
            DatabaseOutageTest.database(true);
        }
        // the tables exist once the gateway has migrated the database it just reached
        await().atMost(Duration.ofSeconds(60))
                .until(() -> getJson(null, "/v1/evals/store").path("database_reachable").asBoolean());
        await().atMost(Duration.ofSeconds(60)).until(() -> PostgresStoreTest.samplesInDatabase(run) == 12);
        assertEquals(12, TestDatabase.count("select count(distinct doc_id) from eval_sample where run = '" + run + "'"));
        assertEquals(12, getJson(null, "/v1/evals/runs/" + run).path("tasks").path("parus").path("samples").asInt());
    }
}
