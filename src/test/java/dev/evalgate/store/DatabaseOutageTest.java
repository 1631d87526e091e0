package dev.evalgate.store;

import static dev.evalgate.store.StoreTestSupport.complete;
import static dev.evalgate.store.StoreTestSupport.getJson;
import static dev.evalgate.store.StoreTestSupport.tagged;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * PostgreSQL goes away in the middle of a run and comes back: every response is still served in full, samples wait in
 * a small buffer and spill to the journal, and afterwards each sample is in the database exactly once.
 */
@QuarkusTest
@TestProfile(DatabaseOutageTest.BehindProxy.class)
class DatabaseOutageTest {

    static final String SPOOL = "target/evalgate-data-outage/spool";

    /** The gateway reaches PostgreSQL through a proxy the test can cut; a 5-sample buffer, so that it spills. */
    public static class BehindProxy implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("evalgate.engine", "synthetic");
            config.put("evalgate.data-dir", "target/evalgate-data-outage");
            config.put("evalgate.store.buffer-size", "5");
            config.put("evalgate.store.batch-size", "3");
            return config;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Proxy.class));
        }
    }

    /**
     * Starts the proxy; the test reaches it through a system property holding a JDK type (the test and its resources
     * may live in different class loaders): {@code accept(false)} cuts, {@code accept(true)} restores.
     */
    public static class Proxy implements QuarkusTestResourceLifecycleManager {
        private TcpProxy proxy;
        private boolean startCut;

        /** {@code cut=true}: the database is unreachable from the start. */
        @Override
        public void init(Map<String, String> initArgs) {
            startCut = Boolean.parseBoolean(initArgs.getOrDefault("cut", "false"));
        }

        @Override
        public Map<String, String> start() {
            TestDatabase.ensureExists();
            try {
                proxy = new TcpProxy(TestDatabase.HOST, TestDatabase.PORT);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Consumer<Boolean> control = up -> {
                if (up) {
                    proxy.restore();
                } else {
                    proxy.cut();
                }
            };
            System.getProperties().put("evalgate.test.db-proxy", control);
            if (startCut) {
                proxy.cut();
            }
            return TestDatabase.config(proxy.port());
        }

        @Override
        public void stop() {
            try {
                proxy.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @SuppressWarnings("unchecked")
    static void database(boolean up) {
        ((Consumer<Boolean>) System.getProperties().get("evalgate.test.db-proxy")).accept(up);
    }

    @Test
    void everySampleIsStoredExactlyOnceAcrossAnOutageAndNoResponseFails() throws Exception {
        String run = "outage-" + UUID.randomUUID();
        PostgresStoreTest.awaitReachable();
        for (int i = 0; i < 10; i++) {
            complete(null, tagged(run, "parus", "before-" + i, i % 2 == 0));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> PostgresStoreTest.samplesInDatabase(run) == 10);

        database(false);
        try {
            for (int i = 0; i < 30; i++) {
                complete(null, tagged(run, "parus", "during-" + i, i % 2 == 0));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                JsonNode status = getJson(null, "/v1/evals/store");
                return !status.path("database_reachable").asBoolean() && status.path("samples_spilled").asLong() > 0;
            });
            given().get("/v1/evals/runs/" + run).then().statusCode(503)
                    .body("error.type", org.hamcrest.Matchers.equalTo("ServiceUnavailableError"));
            assertEquals(10, PostgresStoreTest.samplesInDatabase(run), "nothing reached the database meanwhile");
        } finally {
            database(true);
        }
        for (int i = 0; i < 5; i++) {
            complete(null, tagged(run, "parus", "after-" + i, false));
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> PostgresStoreTest.samplesInDatabase(run) == 45);
        assertEquals(45, TestDatabase.count("select count(distinct doc_id) from eval_sample where run = '" + run + "'"),
                "each document once");
        await().atMost(Duration.ofSeconds(30)).until(() -> getJson(null, "/v1/evals/store").path("samples_waiting")
                .asInt() == 0 && spoolFiles() == 0);
        JsonNode report = getJson(null, "/v1/evals/runs/" + run);
        assertEquals(45, report.path("tasks").path("parus").path("samples").asInt());
        assertTrue(getJson(null, "/v1/evals/store").path("database_reachable").asBoolean());
    }

    /** Journal files not yet replayed (an empty spill file left open for appends does not count). */
    static long spoolFiles() throws IOException {
        Path dir = Path.of(SPOOL);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> {
                try {
                    return Files.size(f) > 0;
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }
}
