package dev.evalgate.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.scoring.mera.MeraTask;
import dev.evalgate.scoring.mera.TaskCatalogue;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * The scoreboard page as served: at {@code /scoreboard} and {@code /scoreboard/{run}}, self-contained (no script,
 * style or font from another site: it must work offline and leak no key to a CDN), under a policy that forbids
 * anything else; the reference figures it compares with are MERA's published ones.
 */
@QuarkusTest
@TestProfile(ScoreboardBrowserTest.Keys.class)
class ScoreboardPageTest {

    static final List<String> FILES = List.of("/scoreboard", "/scoreboard/assets/scoreboard.js",
            "/scoreboard/assets/scoreboard.css", "/scoreboard/assets/reference-llama-3.1-70b-instruct.json");
    static final Pattern EXTERNAL = Pattern.compile("(?i:(?:https?:)?//[a-z0-9.-]+\\.[a-z]{2,})|@import|\\burl\\(");

    @Test
    void thePageIsServedForTheListAndForEveryRunWithoutAKey() {
        for (String path : List.of("/scoreboard", "/scoreboard/", "/scoreboard/some-run", "/scoreboard/run%20with%20space")) {
            Response page = given().get(path);
            assertEquals(200, page.statusCode(), path);
            assertTrue(page.contentType().startsWith("text/html"), path);
            assertTrue(page.asString().contains("/scoreboard/assets/scoreboard.js"), path);
            String policy = page.header("Content-Security-Policy");
            assertTrue(policy.contains("default-src 'none'") && policy.contains("connect-src 'self'")
                    && policy.contains("script-src 'self'"), policy);
        }
        given().get("/scoreboard/assets/scoreboard.js").then().statusCode(200);
    }

    @Test
    void nothingComesFromAnotherSite() {
        for (String file : FILES) {
            String text = given().get(file).then().statusCode(200).extract().asString();
            if (file.endsWith(".json")) {
                continue; // data, never loaded as code; its source line names a page, not a URL
            }
            // the SVG namespace names a vocabulary, it is never fetched
            Matcher external = EXTERNAL.matcher(text.replace("http://www.w3.org/2000/svg", ""));
            assertFalse(external.find(), () -> file + " refers to another site: " + external.group());
            assertFalse(text.contains("<script>") || text.contains(" style=\""), file + " has inline code or style");
        }
    }

    @Test
    void theReferenceIsTheLlama70bSubmissionPage() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(given()
                .get("/scoreboard/assets/reference-llama-3.1-70b-instruct.json").asString());
        assertEquals(0.554, ref.path("total_score").asDouble());
        assertEquals(0.932, ref.path("tasks").path("parus").path("metrics").path("acc").asDouble());
        assertEquals(0.526, ref.path("tasks").path("rcb").path("metrics").path("f1_macro").asDouble());
        assertEquals(0.501, ref.path("tasks").path("ruethics").path("metrics").path("ethical.moral").asDouble());
        assertEquals(0.625, ref.path("tasks").path("use").path("metrics").path("grade_norm.task26").asDouble());
        assertFalse(ref.path("tasks").path("use").path("metrics").has("grade_norm.task8"), "published as \"-\"");
        assertTrue(ref.path("source").asText().contains("mera-submission-llama-3.1-70b-instruct.txt"));
        // keyed as evalgate keys its reports, so the page can put them side by side
        ref.path("tasks").fieldNames().forEachRemaining(task -> assertEquals(task,
                TaskCatalogue.mera().task(task).map(MeraTask::name).orElse("an unknown task")));
        assertEquals(23, ref.path("tasks").size(), "every MERA task");
    }
}
