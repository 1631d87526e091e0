package dev.evalgate.store;

import static dev.evalgate.store.StoreTestSupport.complete;
import static dev.evalgate.store.StoreTestSupport.getJson;
import static dev.evalgate.store.StoreTestSupport.tagged;
import static dev.evalgate.TestAdmin.admin;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.evalgate.scoring.runs.RequestSummary;
import dev.evalgate.scoring.runs.SampleRecord;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.vertx.VertxContextSupport;

/** The gateway on a real PostgreSQL, migrated from empty at start: samples, runs and gold go to the database. */
@QuarkusTest
@TestProfile(PostgresStoreTest.OnPostgres.class)
class PostgresStoreTest {

    /** The synthetic engine, and the test database, emptied before the gateway starts. */
    public static class OnPostgres implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(TestDatabase.config(TestDatabase.PORT));
            config.put("evalgate.engine", "synthetic");
            config.put("evalgate.data-dir", "target/evalgate-data-pg");
            return config;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(EmptyDatabase.class));
        }
    }

    public static class EmptyDatabase implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            TestDatabase.reset();
            return Map.of();
        }

        @Override
        public void stop() {
        }
    }

    @Inject
    SampleStore store;

    @Test
    void migratesTheEmptyDatabaseOnceAndRefusesAnEditedMigration() throws Throwable {
        awaitReachable();
        List<SchemaMigrations.Migration> bundled = SchemaMigrations.bundled();
        List<List<Object>> history = TestDatabase.query("select version, checksum from evalgate_schema_history");
        assertEquals(bundled.stream().map(m -> List.<Object>of(m.version(), m.checksum())).toList(), history);
        assertEquals(2, bundled.size(), "V1 tables, V2 run owners");
        assertEquals(3, TestDatabase.count("select count(*) from pg_tables where schemaname = 'public' and tablename "
                + "in ('eval_run', 'eval_sample', 'gold_set')"));

        assertEquals(List.of(), migrate(bundled), "applying again changes nothing");
        TestDatabase.query("update evalgate_schema_history set checksum = 'edited' where version = 1");
        try {
            Throwable refused = org.junit.jupiter.api.Assertions.assertThrows(Throwable.class, () -> migrate(bundled));
            assertTrue(String.valueOf(refused.getMessage()).contains("must never be edited"), refused.toString());
        } finally {
            TestDatabase.query("update evalgate_schema_history set checksum = '" + bundled.get(0).checksum()
                    + "' where version = 1");
        }
    }

    private static List<Integer> migrate(List<SchemaMigrations.Migration> migrations) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                () -> Panache.getSession().chain(s -> SchemaMigrations.apply(s, migrations))));
    }

    @Test
    void samplesAndGoldAreWrittenAndRunsAreReadBackFromTheDatabase() {
        awaitReachable();
        admin().body(StoreTestSupport.parusGold(4))
                .post("/v1/evals/gold/parus").then().statusCode(200);
        assertEquals(1, TestDatabase.count("select count(*) from gold_set where task = 'parus' and content like "
                + "'%Посылка 3%'"));

        String run = "pg-" + UUID.randomUUID();
        for (int i = 0; i < 4; i++) {
            complete(null, tagged(run, "parus", String.valueOf(i), i % 2 == 0));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> samplesInDatabase(run) == 4);
        List<List<Object>> rows = TestDatabase.query("select task, doc_id, request, raw_outputs, engine, written_by "
                + "from eval_sample where run = '" + run + "' order by doc_id");
        assertEquals("parus", rows.get(0).get(0));
        assertEquals("0", rows.get(0).get(1));
        assertTrue(((String) rows.get(0).get(2)).contains("\"finish_reasons\":[\"length\"]"), (String) rows.get(0).get(2));
        assertEquals("synthetic", rows.get(0).get(4));

        JsonNode report = getJson(null, "/v1/evals/runs/" + run);
        JsonNode parus = report.path("tasks").path("parus");
        assertEquals(4, parus.path("samples").asInt());
        assertEquals(4, parus.path("samples_scored").asInt());
        assertEquals(4, parus.path("gold_available").asInt());

        // a row another replica wrote is part of the run: results come from the database, not from this gateway
        TestDatabase.query("insert into eval_sample (id, run, task, doc_id, raw_outputs, answer, created_at, written_by) "
                + "values ('" + UUID.randomUUID() + "', '" + run + "', 'parus', '3', '[\"2\"]', '\"2\"', now(), 'other')");
        JsonNode samples = getJson(null, "/v1/evals/runs/" + run + "/samples");
        assertEquals(4, samples.path("data").size(), "document 3 answered again replaces its sample");
        JsonNode doc3 = null;
        for (JsonNode s : samples.path("data")) {
            if (s.path("doc_id").asText().equals("3")) {
                doc3 = s;
            }
        }
        assertEquals("2", doc3.path("answer").asText());
        JsonNode listed = listed(run);
        assertEquals(4, listed.path("samples").asInt());
        TestDatabase.query("insert into eval_sample (id, run, task, doc_id, raw_outputs, answer, created_at, written_by) "
                + "values ('" + UUID.randomUUID() + "', '" + run + "', 'parus', '9', '[\"1\"]', '\"1\"', now(), 'other')");
        assertEquals(5, listed(run).path("samples").asInt(), "the runs list is recomputed when a run has more samples");
        assertEquals(5, getJson(null, "/v1/evals/runs/" + run).path("tasks").path("parus").path("samples").asInt(),
                "so is the report");
        admin().body(StoreTestSupport.parusGold(6))
                .post("/v1/evals/gold/parus").then().statusCode(200);
        assertEquals(6, getJson(null, "/v1/evals/runs/" + run).path("tasks").path("parus").path("gold_available")
                .asInt(), "and when the gold changes");
    }

    @Test
    void aSampleHandedOverTwiceIsStoredOnce() {
        awaitReachable();
        String run = "twice-" + UUID.randomUUID();
        SampleRecord sample = new SampleRecord(UUID.randomUUID().toString(), run, "parus", "1",
                new RequestSummary("chatcmpl-1", 10, 1, 4, 0.0, List.of("stop")), List.of("1"),
                StoreTestSupport.MAPPER.getNodeFactory().textNode("1"), 1.0, System.currentTimeMillis(), 5.0, 9.0,
                "m", "synthetic", null);
        long skippedBefore = getJson(null, "/v1/evals/store").path("duplicates_skipped").asLong();
        store.accept(sample);
        await().atMost(Duration.ofSeconds(30)).until(() -> samplesInDatabase(run) == 1);
        store.accept(sample);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> getJson(null, "/v1/evals/store").path("duplicates_skipped").asLong() == skippedBefore + 1);
        assertEquals(1, samplesInDatabase(run));
        JsonNode stored = getJson(null, "/v1/evals/runs/" + run + "/samples").path("data").get(0);
        assertEquals(sample.id(), stored.path("id").asText());
        assertEquals(10, stored.path("request").path("prompt_tokens").asInt());
        assertFalse(getJson(null, "/v1/evals/store").path("last_error").isTextual());
    }

    @Test
    void aSampleTheDatabaseRefusesIsSetAsideAndTheOthersAreWritten() {
        awaitReachable();
        String run = "refused-" + UUID.randomUUID();
        long rejectedBefore = getJson(null, "/v1/evals/store").path("samples_rejected").asLong();
        // PostgreSQL text cannot hold a NUL character; a client may still send one in a document id
        store.accept(sample(run, "bad\u0000id"));
        store.accept(sample(run, "good"));
        await().atMost(Duration.ofSeconds(30)).until(() -> samplesInDatabase(run) == 1);
        await().atMost(Duration.ofSeconds(30)).until(
                () -> getJson(null, "/v1/evals/store").path("samples_rejected").asLong() == rejectedBefore + 1);
        assertEquals(List.of(List.of("good")), TestDatabase.query("select doc_id from eval_sample where run = '" + run + "'"));
        store.accept(sample(run, "after"));
        await().atMost(Duration.ofSeconds(30)).until(() -> samplesInDatabase(run) == 2);
    }

    @Test
    void aSampleTooLargeForTheDatabaseIsSetAsideAndNeverHoldsBackTheOthers() {
        awaitReachable();
        // a run name past the index row limit (SQLSTATE 54000), random so that compression cannot shrink it
        StringBuilder huge = new StringBuilder("huge-");
        for (int i = 0; i < 120; i++) {
            huge.append(UUID.randomUUID());
        }
        String run = "after-huge-" + UUID.randomUUID();
        long rejectedBefore = getJson(null, "/v1/evals/store").path("samples_rejected").asLong();
        store.accept(sample(huge.toString(), "1"));
        store.accept(sample(run, "1"));
        await().atMost(Duration.ofSeconds(30)).until(() -> samplesInDatabase(run) == 1);
        await().atMost(Duration.ofSeconds(30)).until(
                () -> getJson(null, "/v1/evals/store").path("samples_rejected").asLong() == rejectedBefore + 1);
        store.accept(sample(run, "2"));
        await().atMost(Duration.ofSeconds(30)).until(() -> samplesInDatabase(run) == 2);
    }

    private static SampleRecord sample(String run, String docId) {
        return new SampleRecord(UUID.randomUUID().toString(), run, "parus", docId, null, List.of("1"), null, null,
                System.currentTimeMillis(), null, null, "m", "synthetic", null);
    }

    /** The run's item in {@code GET /v1/evals/runs}. */
    static JsonNode listed(String run) {
        for (JsonNode item : getJson(null, "/v1/evals/runs").path("data")) {
            if (item.path("run").asText().equals(run)) {
                return item;
            }
        }
        throw new AssertionError(run + " is not listed");
    }

    static long samplesInDatabase(String run) {
        return TestDatabase.count("select count(*) from eval_sample where run = '" + run + "'");
    }

    static void awaitReachable() {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> getJson(null, "/v1/evals/store").path("database_reachable").asBoolean());
    }
}
