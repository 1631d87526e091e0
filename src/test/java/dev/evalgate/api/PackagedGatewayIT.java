package dev.evalgate.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The packaged gateway, started as {@code java -jar target/quarkus-app/quarkus-run.jar}: it serves out of the box. */
@QuarkusIntegrationTest
class PackagedGatewayIT {

    @Test
    void servesModelsTokenizerAndStreamingCompletions() {
        given().get("/health").then().statusCode(200);
        given().get("/v1/models").then().statusCode(200).body("data[0].id", equalTo(ChatCompletionsTest.MODEL));
        given().contentType("application/json").body("{\"prompt\": \"Привет, мир!\", \"add_special_tokens\": false}")
                .post("/tokenize").then().statusCode(200).body("count", equalTo(6));
        ObjectNode body = ChatCompletionsTest.request("Hello", 8);
        body.put("stream", true);
        String sse = given().contentType("application/json").body(body.toString()).post("/v1/chat/completions")
                .then().statusCode(200).extract().asString();
        SseStream stream = SseStream.parse(sse);
        assertTrue(stream.done());
        assertEquals("default", given().contentType("application/json").body(ChatCompletionsTest.request("Hi", 2).toString())
                .post("/v1/chat/completions").header("X-Evalgate-System-Prompt"));
    }
}
