package dev.evalgate.store;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.restassured.specification.RequestSpecification;

/** Benchmark traffic for the store tests: gold for a few PARus documents and requests tagged as those documents. */
final class StoreTestSupport {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private StoreTestSupport() {
    }

    /** PARus gold for documents 0..n-1 (answers alternate 1 and 2), as JSONL. */
    static String parusGold(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            ObjectNode row = MAPPER.createObjectNode();
            row.put("instruction", "Выберите 1 или 2. {premise}");
            row.putObject("inputs").put("premise", "Посылка " + i).put("choice1", "a").put("choice2", "b");
            row.put("outputs", i % 2 == 0 ? "1" : "2");
            row.putObject("meta").put("id", i).put("task", "cause");
            sb.append(row).append('\n');
        }
        return sb.toString();
    }

    /** A chat completion tagged as {@code task}/{@code docId} of {@code run}, streamed or not. */
    static ObjectNode tagged(String run, String task, String docId, boolean stream) {
        ObjectNode body = MAPPER.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", "Посылка " + docId);
        body.put("max_tokens", 4);
        body.put("stream", stream);
        body.putObject("metadata").put("eval_run", run).put("task", task).put("doc_id", docId);
        return body;
    }

    /** Requests to the gateway at {@code baseUri} ({@code http://host:port}), or to the test's own when null. */
    static RequestSpecification at(String baseUri) {
        if (baseUri == null) {
            return given();
        }
        java.net.URI uri = java.net.URI.create(baseUri);
        return given().baseUri(uri.getScheme() + "://" + uri.getHost()).port(uri.getPort());
    }

    /** Sends a tagged request to the gateway at {@code baseUri} and checks that it was answered in full. */
    static void complete(String baseUri, ObjectNode body) {
        String answer = at(baseUri).contentType("application/json").body(body.toString())
                .post("/v1/chat/completions").then().statusCode(200).extract().asString();
        if (body.path("stream").asBoolean()) {
            assertEquals(true, answer.endsWith("data: [DONE]\n\n"), answer);
        }
    }

    static JsonNode getJson(String baseUri, String path) {
        try {
            return MAPPER.readTree(at(baseUri).get(path).then().statusCode(200).extract().asString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
