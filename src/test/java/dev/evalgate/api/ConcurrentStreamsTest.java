package dev.evalgate.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * More streams than llama.cpp has slots, all at once: every one completes, well-formed, with the text the same
 * request gives alone, and the gateway keeps answering other requests meanwhile.
 */
@QuarkusTest
class ConcurrentStreamsTest {

    @TestHTTPResource("/v1/chat/completions")
    URL url;

    @Test
    void manyConcurrentStreamsEachGetTheirOwnCorrectText() throws Exception {
        int streams = 12;
        List<ObjectNode> bodies = new ArrayList<>();
        List<String> alone = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            ObjectNode body = ChatCompletionsTest.request("Story number " + i % 6, 24);
            bodies.add(body);
            alone.add(ChatCompletionsTest.complete(body).path("choices").get(0).path("message").path("content").asText());
        }
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (ObjectNode body : bodies) {
            ObjectNode streaming = body.deepCopy();
            streaming.put("stream", true);
            futures.add(client.sendAsync(HttpRequest.newBuilder(URI.create(url.toString()))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(streaming.toString())).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        // the event loop is free while the engine threads work
        given().get("/v1/models").then().statusCode(200);
        for (int i = 0; i < streams; i++) {
            HttpResponse<String> r = futures.get(i).get(120, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode());
            SseStream s = SseStream.parse(r.body());
            assertTrue(s.done());
            assertEquals(alone.get(i), s.content(0), "stream " + i);
        }
    }
}
