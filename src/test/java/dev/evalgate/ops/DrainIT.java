package dev.evalgate.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.evalgate.GatewayProcess;

/**
 * The packaged gateway under open streams, as Kubernetes runs it: a thousand slow streams hold no thread each, and a
 * SIGTERM during fifty tagged streams lets the short ones finish, ends the long ones with an error event, keeps every
 * finished sample, and exits inside its budget.
 */
class DrainIT {

    static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    static String body(int maxTokens, String run, int doc) {
        ObjectNode body = MAPPER.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", "go " + doc);
        body.put("max_tokens", maxTokens).put("stream", true);
        if (run != null) {
            body.putObject("metadata").put("eval_run", run).put("task", "parus").put("doc_id", String.valueOf(doc));
        }
        return body.toString();
    }

    static List<CompletableFuture<HttpResponse<String>>> open(HttpClient client, String base, List<String> bodies) {
        List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
        for (String b : bodies) {
            streams.add(client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(b)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        return streams;
    }

    static double metric(HttpClient client, String base, String name) throws Exception {
        String text = client.send(HttpRequest.newBuilder(URI.create(base + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE).matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }

    /** A stream's whole body; when it cannot be read, fails with the end of the gateway's log. */
    static String sse(CompletableFuture<HttpResponse<String>> stream, GatewayProcess gateway, String what) {
        try {
            return stream.get(120, TimeUnit.SECONDS).body();
        } catch (Exception e) {
            String log = gateway.log();
            throw new AssertionError(what + " broke; the gateway's log ends with:\n"
                    + log.substring(Math.max(0, log.length() - 6000)), e);
        }
    }

    @Test
    void aThousandOpenStreamsHoldNoThreadEachAndASigtermDrainsInsideItsBudget() throws Exception {
        Path data = dir.resolve("data");
        Map<String, String> settings = Map.of("evalgate.engine.synthetic.tokens-per-second", "5",
                "evalgate.system-prompt.mode", "off", "evalgate.shutdown.drain-timeout", "3s",
                "evalgate.shutdown.flush-timeout", "5s");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String run = "drain-" + System.nanoTime();
        try (GatewayProcess gateway = GatewayProcess.start(data, "synthetic", settings)) {
            String base = gateway.baseUri();
            double threadsBefore = metric(client, base, "jvm_threads_live_threads");
            List<String> slow = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                slow.add(body(100, null, i)); // 20 s each at 5 tokens/s: all of them are open at once
            }
            List<CompletableFuture<HttpResponse<String>>> streams = open(client, base, slow);
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .until(() -> metric(client, base, "evalgate_num_requests_running") >= 1000);
            double threadsOpen = metric(client, base, "jvm_threads_live_threads");
            System.out.printf("drain: live threads %.0f before, %.0f with 1000 streams open%n", threadsBefore,
                    threadsOpen);
            // request preparation runs on Vert.x's bounded worker pool; streams themselves hold no thread
            assertTrue(threadsOpen < 300, "threads grow with streams: " + threadsBefore + " -> " + threadsOpen);
            for (CompletableFuture<HttpResponse<String>> s : streams) {
                assertTrue(sse(s, gateway, "a slow stream").endsWith("data: [DONE]\n\n"));
            }

            // 25 short tagged streams (1 s) and 25 long ones (40 s), then SIGTERM
            List<String> tagged = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                tagged.add(body(i < 25 ? 5 : 200, run, i));
            }
            List<CompletableFuture<HttpResponse<String>>> runStreams = open(client, base, tagged);
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> metric(client, base, "evalgate_num_requests_running") >= 50);
            long sigterm = System.nanoTime();
            gateway.stop();
            long exitMs = (System.nanoTime() - sigterm) / 1_000_000;
            int finished = 0;
            int ended = 0;
            for (int i = 0; i < 50; i++) {
                String sse = sse(runStreams.get(i), gateway, "stream " + i + (i < 25 ? " (short)" : " (long)"));
                assertTrue(sse.endsWith("data: [DONE]\n\n"), "every stream ends well-formed: " + sse);
                if (sse.contains("\"finish_reason\":\"")) {
                    finished++;
                } else {
                    assertTrue(sse.contains("\"error\"") && sse.contains("shutting down"), sse);
                    ended++;
                }
            }
            System.out.printf("drain: %d streams finished, %d ended with an error event, exit %d ms after SIGTERM%n",
                    finished, ended, exitMs);
            assertEquals(25, finished, "the short streams finished inside the drain time");
            assertEquals(25, ended);
            // drain 3 s + scoring 5 s + store 5 s at most, with room for the JVM's own stop
            assertTrue(exitMs < 15_000, "exit took " + exitMs + " ms");
        }
        // every finished sample is in the journal the next start reads
        List<String> lines = Files.readAllLines(data.resolve("runs").resolve("samples.jsonl"));
        assertEquals(25, lines.stream().filter(l -> l.contains("\"run\":\"" + run + "\"")).count());
    }
}
