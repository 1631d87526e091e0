package dev.evalgate.web;

import static dev.evalgate.TestAdmin.admin;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.evalgate.TestAdmin;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The scoreboard in a real browser (Debian's headless Chromium through its chromedriver): a run's page, opened with
 * the owner's key while tagged requests stream in, shows exactly what {@code GET /v1/evals/runs/{run}} reports, batch
 * after batch; its samples view filters unparsed answers and shows no gold to a client; a screenshot is kept in
 * {@code target/scoreboard/}.
 */
@QuarkusTest
@TestProfile(ScoreboardBrowserTest.Keys.class)
class ScoreboardBrowserTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String OWNER = "scoreboard-owner-key";
    static final String OTHER = "scoreboard-other-key";
    static final Path ARTIFACTS = Path.of("target", "scoreboard");

    /** The synthetic engine at a human pace, and client keys, so that the page must send one and ownership applies. */
    public static class Keys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("evalgate.engine", "synthetic", "evalgate.engine.synthetic.tokens-per-second", "200",
                    "evalgate.system-prompt.mode", "off", "evalgate.auth.client-keys", OWNER + "," + OTHER);
        }
    }

    @TestHTTPResource("/")
    URL base;

    static WebDriver browser;

    @BeforeAll
    static void startBrowser() {
        browser = Chromium.start();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aRunsPageFollowsTheRunsApiWhileTaggedRequestsStream() throws Exception {
        admin().body(ScoreboardGold.parus(12)).post("/v1/evals/gold/parus").then().statusCode(200);
        admin().body(ScoreboardGold.ruhhh(9)).post("/v1/evals/gold/ruhhh").then().statusCode(200);
        admin().body(ScoreboardGold.simplear(6)).post("/v1/evals/gold/simplear").then().statusCode(200);
        admin().body(ScoreboardGold.ruethics(12)).post("/v1/evals/gold/ruethics").then().statusCode(200);
        String run = "browser-" + System.nanoTime();
        send(run, "parus", List.of("0"));

        browser.get(base + "scoreboard/" + run);
        WebElement key = browser.findElement(By.id("key"));
        key.sendKeys(OWNER);
        browser.findElement(By.id("key-use")).click();
        awaitPageShowsApi(run, 1);

        // more of the run streams in, in batches: the page follows each one without a reload
        send(run, "parus", List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"));
        awaitPageShowsApi(run, 12);
        send(run, "ruhhh", List.of("0", "1", "2", "3", "4", "5", "6", "7", "8"));
        send(run, "simplear", List.of("0", "1", "2", "3", "4", "5"));
        send(run, "ruethics", List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"));
        awaitPageShowsApi(run, 39);

        // the drill-downs MERA reports: ruHHH's three groups, ruEthics' 5 criteria × 3 questions, as the API has them
        browser.findElement(By.cssSelector("#drill-ruhhh summary")).click();
        browser.findElement(By.cssSelector("#drill-ruethics summary")).click();
        JsonNode report = report(run);
        for (String group : List.of("honest", "helpful", "harmless")) {
            String metric = "acc." + group;
            WebElement cell = browser.findElement(By.cssSelector("#drill-ruhhh tr[data-metric='" + metric + "'] td"));
            assertEquals(report.path("tasks").path("ruhhh").path("metrics").path(metric).asDouble(),
                    Double.parseDouble(cell.getDomAttribute("data-value")), metric);
        }
        JsonNode ethics = report.path("tasks").path("ruethics").path("metrics");
        assertEquals(15, ethics.size());
        ethics.fields().forEachRemaining(metric -> assertEquals(metric.getValue().asDouble(), Double.parseDouble(browser
                .findElement(By.cssSelector("#drill-ruethics td[data-metric='" + metric.getKey() + "']"))
                .getDomAttribute("data-value")), metric.getKey()));
        screenshot(ARTIFACTS.resolve("run.png"));

        // Russian labels at a click, and back
        browser.findElement(By.id("lang")).click();
        assertEquals("Оценки по задачам", browser.findElement(By.cssSelector("#tasks caption")).getText());
        assertEquals("ru", browser.findElement(By.tagName("html")).getDomAttribute("lang"));
        browser.findElement(By.id("lang")).click();
        assertEquals("Per-task results", browser.findElement(By.cssSelector("#tasks caption")).getText());

        // tables a screen reader can walk: a caption, column and row headers
        assertFalse(browser.findElement(By.cssSelector("#tasks caption")).getText().isBlank());
        assertEquals(8, browser.findElements(By.cssSelector("#tasks thead th[scope=col]")).size());
        assertEquals(report.path("tasks").size(), browser.findElements(By.cssSelector("#tasks tbody th[scope=row]")).size());

        // samples: only unparsed answers, and no gold for a client
        browser.findElement(By.cssSelector("#filter-task option[value='parus']")).click();
        browser.findElement(By.cssSelector("#filter-kind option[value='unparsed']")).click();
        browser.findElement(By.id("load-samples")).click();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !browser.findElements(By.id("samples")).isEmpty());
        long unparsed = samples(run).stream()
                .filter(s -> s.path("task").asText().equals("parus") && s.path("answer").asText().equals("-1")).count();
        List<WebElement> rows = browser.findElements(By.cssSelector("#samples tbody tr"));
        assertEquals(unparsed, rows.size(), "the unparsed filter shows exactly the \"-1\" answers");
        String head = browser.findElement(By.cssSelector("#samples thead")).getText();
        assertFalse(head.contains("Gold"), "gold is for admins only: " + head);

        // an admin's key shows the gold beside each answer
        browser.findElement(By.id("key")).sendKeys(TestAdmin.KEY);
        browser.findElement(By.id("key-use")).click();
        awaitPageShowsApi(run, 39);
        browser.findElement(By.id("load-samples")).click();
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> browser
                .findElement(By.cssSelector("#samples thead")).getText().contains("Gold"));
        assertEquals(unparsed, browser.findElements(By.cssSelector("#samples tbody tr")).size());

        // the runs list shows it with the API's total
        browser.get(base + "scoreboard");
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            WebElement total = browser.findElement(By.cssSelector("#runs tr[data-run='" + run + "'] .total"));
            assertEquals(report(run).path("total_score").asDouble(), Double.parseDouble(total.getDomAttribute("data-value")));
        });

        // another key sees no such run, not even its view; no key is a 401
        given().header("Authorization", "Bearer " + OTHER).get("/v1/scoreboard/runs/" + run).then().statusCode(404);
        given().header("Authorization", "Bearer " + OTHER).get("/v1/scoreboard/runs/" + run + "/events").then()
                .statusCode(404);
        given().get("/v1/scoreboard/runs/" + run).then().statusCode(401);
    }

    /** Waits until the page shows the runs API's figures for the run, with {@code scored} samples scored in all. */
    private void awaitPageShowsApi(String run, int scored) {
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .untilAsserted(() -> pageShowsApi(run, scored));
        } catch (ConditionTimeoutException e) {
            screenshot(ARTIFACTS.resolve("failure.png"));
            fail("the page never showed the API's figures (status: \"" + browser.findElement(By.id("status")).getText()
                    + "\", screenshot in target/scoreboard/failure.png)", e);
        }
    }

    /** The page shows the API's total, and per task its score, metrics, samples scored and gold available. */
    private void pageShowsApi(String run, int scored) throws IOException {
        JsonNode api = report(run);
        int total = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = api.path("tasks").fields(); it.hasNext();) {
            total += it.next().getValue().path("samples_scored").asInt();
        }
        assertEquals(scored, total, "samples scored by the API");
        WebElement shown = browser.findElement(By.id("total-score"));
        double apiTotal = api.path("total_score").asDouble();
        assertEquals(apiTotal, Double.parseDouble(shown.getDomAttribute("data-value")), "total score");
        assertEquals(threeDecimals(apiTotal), shown.getText(), "total score as shown");
        for (Iterator<Map.Entry<String, JsonNode>> it = api.path("tasks").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> task = it.next();
            JsonNode t = task.getValue();
            String row = "#tasks tr[data-task='" + task.getKey() + "'] ";
            WebElement score = browser.findElement(By.cssSelector(row + ".score"));
            assertEquals(t.path("score").asDouble(), Double.parseDouble(score.getDomAttribute("data-value")),
                    task.getKey());
            assertEquals(threeDecimals(t.path("score").asDouble()), score.getText(), task.getKey());
            assertEquals(t.path("samples_scored").asText(),
                    browser.findElement(By.cssSelector(row + ".scored")).getText(), task.getKey());
            assertEquals(t.path("gold_available").asText(),
                    browser.findElement(By.cssSelector(row + ".gold")).getText(), task.getKey());
            assertEquals(t.path("samples_scored").asText(), browser.findElement(By.cssSelector(row + "[role=progressbar]"))
                    .getDomAttribute("aria-valuenow"), task.getKey());
            for (Iterator<Map.Entry<String, JsonNode>> m = t.path("metrics").fields(); m.hasNext();) {
                Map.Entry<String, JsonNode> metric = m.next();
                if (!metric.getKey().contains(".")) {
                    WebElement value = browser.findElement(By.cssSelector(row + "[data-metric='" + metric.getKey()
                            + "'] span"));
                    assertEquals(metric.getValue().asDouble(), Double.parseDouble(value.getDomAttribute("data-value")),
                            task.getKey() + " " + metric.getKey());
                }
            }
        }

    }

    /** JavaScript's {@code toFixed(3)}: the exact binary value, ties away from zero. */
    static String threeDecimals(double value) {
        return new BigDecimal(value).setScale(3, RoundingMode.HALF_UP).toPlainString();
    }

    /** Sends the documents' tagged requests as the owner, streamed, two at a time, and waits for their answers. */
    private static void send(String run, String task, List<String> docs) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> answers = new ArrayList<>();
            for (String doc : docs) {
                answers.add(pool.submit(() -> {
                    ObjectNode body = MAPPER.createObjectNode();
                    body.putArray("messages").addObject().put("role", "user").put("content", task + " " + doc);
                    body.put("max_tokens", 6);
                    body.put("stream", true);
                    body.putObject("metadata").put("eval_run", run).put("task", task).put("doc_id", doc);
                    given().header("Authorization", "Bearer " + OWNER).contentType("application/json")
                            .body(body.toString()).post("/v1/chat/completions").then().statusCode(200);
                }));
            }
            for (Future<?> answer : answers) {
                answer.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private static JsonNode report(String run) throws IOException {
        return MAPPER.readTree(given().header("Authorization", "Bearer " + OWNER).get("/v1/evals/runs/" + run).then()
                .statusCode(200).extract().asString());
    }

    private static List<JsonNode> samples(String run) throws IOException {
        List<JsonNode> list = new ArrayList<>();
        MAPPER.readTree(given().header("Authorization", "Bearer " + OWNER).get("/v1/evals/runs/" + run + "/samples")
                .then().statusCode(200).extract().asString()).path("data").forEach(list::add);
        return list;
    }

    private static void screenshot(Path to) {
        try {
            Files.createDirectories(to.getParent());
            File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Headless Chromium from Debian's packages, driven by their chromedriver; never a download. */
    static final class Chromium {

        static final String BINARY = System.getProperty("scoreboard.chromium", "/usr/bin/chromium");
        static final String DRIVER = System.getProperty("scoreboard.chromedriver", "/usr/bin/chromedriver");

        private Chromium() {
        }

        static WebDriver start() {
            if (!Files.isExecutable(Path.of(BINARY)) || !Files.isExecutable(Path.of(DRIVER))) {
                fail("The scoreboard's browser test needs Chromium and its driver at " + BINARY + " and " + DRIVER
                        + ": install them with `apt-get install -y chromium chromium-driver` (.ci/run does), or point "
                        + "-Dscoreboard.chromium and -Dscoreboard.chromedriver at them.");
            }
            // Selenium Manager would look for drivers online: the driver and browser are given, and it stays offline
            System.setProperty("SE_OFFLINE", "true");
            System.setProperty("webdriver.chrome.driver", DRIVER);
            ChromeOptions options = new ChromeOptions().setBinary(BINARY).addArguments("--headless=new", "--no-sandbox",
                    "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,2200", "--lang=en-US");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER))
                    .usingAnyFreePort().build();
            ChromeDriver driver = new ChromeDriver(service, options);
            assertTrue(driver.getCapabilities().getBrowserName().toLowerCase().contains("chrom"));
            return driver;
        }
    }
}
