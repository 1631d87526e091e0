package dev.evalgate.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * With client keys configured: no key, no API; each key owns the runs it creates, another key can neither add to
 * them nor see them; the admin sees everything, gold included.
 */
@QuarkusTest
@TestProfile(ClientKeysTest.WithClientKeys.class)
class ClientKeysTest {

    static final String ALPHA = "alpha-key";
    static final String BETA = "beta-key";
    static final String FROM_FILE = "key-from-a-mounted-secret";
    static final String ADMIN = "the-admin-key";

    /** Two client keys in the setting, one in a file, and an admin key. */
    public static class WithClientKeys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path file = Files.createTempFile("client-keys", ".txt");
                Files.writeString(file, "# keys, one per line\n\n" + FROM_FILE + "\n");
                return Map.of("evalgate.auth.client-keys", ALPHA + "," + BETA, "evalgate.auth.client-keys-file",
                        file.toString(), "evalgate.auth.admin-key", ADMIN);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static Response as(String key, String method, String path, String body) {
        var spec = given().contentType("application/json");
        if (key != null) {
            spec = spec.header("Authorization", "Bearer " + key);
        }
        if (body != null) {
            spec = spec.body(body);
        }
        return method.equals("GET") ? spec.get(path) : spec.post(path);
    }

    static String tagged(String run, String doc) {
        ObjectNode body = ChatCompletionsTest.request("Hi", 2);
        body.putObject("metadata").put("eval_run", run).put("task", "parus").put("doc_id", doc);
        return body.toString();
    }

    @Test
    void noKeyNoApiButHealthAndTheTokenizerStayOpen() {
        for (String path : List.of("/v1/models", "/v1/evals/runs", "/v1/engine")) {
            Response r = as(null, "GET", path, null);
            assertEquals(401, r.statusCode(), path);
            assertEquals("AuthenticationError", r.path("error.type"));
            assertEquals(401, as("wrong-key", "GET", path, null).statusCode(), path);
        }
        assertEquals(401, as(null, "POST", "/v1/chat/completions", ChatCompletionsTest.request("Hi", 1).toString())
                .statusCode());
        // lm-eval sends "Bearer " with an empty OPENAI_API_KEY: no key either
        assertEquals(401, as("", "GET", "/v1/models", null).statusCode());
        given().get("/health").then().statusCode(200);
        given().contentType("application/json").body("{\"prompt\": \"x\"}").post("/tokenize").then().statusCode(200);
        assertEquals(200, as(ALPHA, "GET", "/v1/models", null).statusCode());
        assertEquals(200, as(FROM_FILE, "GET", "/v1/models", null).statusCode());
    }

    @Test
    void aRunBelongsToTheKeyThatCreatedIt() {
        String run = "owned-" + System.nanoTime();
        assertEquals(200, as(ALPHA, "POST", "/v1/chat/completions", tagged(run, "0")).statusCode());
        Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> as(ALPHA, "GET", "/v1/evals/runs/" + run, null).statusCode() == 200);

        Response intruder = as(BETA, "POST", "/v1/chat/completions", tagged(run, "1"));
        assertEquals(403, intruder.statusCode(), intruder.asString());
        assertEquals("PermissionDeniedError", intruder.path("error.type"));
        assertEquals(200, as(ALPHA, "POST", "/v1/chat/completions", tagged(run, "1")).statusCode());

        assertEquals(404, as(BETA, "GET", "/v1/evals/runs/" + run, null).statusCode());
        assertEquals(404, as(BETA, "GET", "/v1/evals/runs/" + run + "/samples", null).statusCode());
        assertEquals(404, as(BETA, "GET", "/v1/evals/runs/" + run + "/submission.zip", null).statusCode());
        assertFalse(runNames(BETA).contains(run));
        assertTrue(runNames(ALPHA).contains(run));
        assertTrue(runNames(ADMIN).contains(run));

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> samples(ALPHA, run).size() == 2);
        for (JsonNode s : samples(ALPHA, run)) {
            assertFalse(s.has("gold"), "gold is for admins only");
        }
        for (JsonNode s : samples(ADMIN, run)) {
            assertTrue(s.has("gold"));
        }
        // the admin may add to anyone's run
        assertEquals(200, as(ADMIN, "POST", "/v1/chat/completions", tagged(run, "2")).statusCode());
    }

    private static List<String> runNames(String key) {
        List<String> names = new ArrayList<>();
        as(key, "GET", "/v1/evals/runs", null).jsonPath().getList("data.run", String.class).forEach(names::add);
        return names;
    }

    private static List<JsonNode> samples(String key, String run) {
        try {
            List<JsonNode> out = new ArrayList<>();
            ChatCompletionsTest.MAPPER.readTree(as(key, "GET", "/v1/evals/runs/" + run + "/samples", null).asString())
                    .path("data").forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
