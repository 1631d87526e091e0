package dev.evalgate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A seeded fuzz run over the JSON endpoints: valid requests mutated (wrong types, odd numbers, huge and deep values),
 * truncated and random bodies, invalid UTF-8. Every answer must be a well-formed response below 500, in the OpenAI
 * error shape when it is an error, and the gateway must stay healthy. The counts are printed for the README.
 */
@QuarkusTest
@TestProfile(SyntheticServingTest.Synthetic.class)
class ApiFuzzTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final int REQUESTS = 2000;
    static final List<String> PATHS = List.of("/v1/chat/completions", "/v1/completions", "/tokenize", "/detokenize");

    @TestHTTPResource("/")
    URL base;

    @Test
    void noRequestGetsAServerErrorOrBringsTheGatewayDown() throws Exception {
        Random random = new Random(20261130);
        // HTTP/1.1, as harnesses (aiohttp, requests, openai-python) speak it
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        Map<String, Integer> byStatus = new TreeMap<>();
        long start = System.nanoTime();
        long slowest = 0;
        for (int i = 0; i < REQUESTS; i++) {
            String path = PATHS.get(random.nextInt(PATHS.size()));
            byte[] body = body(path, random);
            long t0 = System.nanoTime();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + path.substring(1)))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            slowest = Math.max(slowest, System.nanoTime() - t0);
            byStatus.merge(String.valueOf(r.statusCode()), 1, Integer::sum);
            assertTrue(r.statusCode() < 500, path + " answered " + r.statusCode() + " to "
                    + new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8) + ": " + r.body());
            if (r.statusCode() >= 400) {
                JsonNode error = MAPPER.readTree(r.body()).path("error");
                assertEquals(r.statusCode(), error.path("code").asInt(), r.body());
                assertTrue(error.path("message").isTextual(), r.body());
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("fuzz: %d requests in %d ms, by status %s, 5xx 0, slowest %d ms, gateway healthy%n",
                REQUESTS, ms, byStatus, slowest / 1_000_000);
        assertEquals(200, client.send(HttpRequest.newBuilder(URI.create(base + "health")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    /** A body for the endpoint: a valid one mutated, or one that is not even JSON. */
    static byte[] body(String path, Random random) {
        switch (random.nextInt(10)) {
            case 0 -> {
                byte[] noise = new byte[random.nextInt(200)];
                random.nextBytes(noise); // random bytes: mostly invalid UTF-8 and not JSON
                return noise;
            }
            case 1 -> {
                String valid = valid(path, random).toString();
                return valid.substring(0, random.nextInt(valid.length())).getBytes(StandardCharsets.UTF_8);
            }
            case 2 -> {
                return ("[".repeat(2000 + random.nextInt(5000))).getBytes(StandardCharsets.UTF_8);
            }
            case 3 -> {
                // a valid body with an invalid UTF-8 sequence inside a string
                byte[] valid = valid(path, random).toString().getBytes(StandardCharsets.UTF_8);
                byte[] out = new byte[valid.length + 2];
                int at = Math.max(0, indexOfQuote(valid, random));
                System.arraycopy(valid, 0, out, 0, at);
                out[at] = (byte) 0xC3;
                out[at + 1] = (byte) 0x28;
                System.arraycopy(valid, at, out, at + 2, valid.length - at);
                return out;
            }
            default -> {
                ObjectNode body = valid(path, random);
                int mutations = 1 + random.nextInt(3);
                for (int m = 0; m < mutations; m++) {
                    mutate(body, random);
                }
                return body.toString().getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    private static int indexOfQuote(byte[] body, Random random) {
        int count = 0;
        for (byte b : body) {
            count += b == '"' ? 1 : 0;
        }
        int target = random.nextInt(Math.max(1, count));
        for (int i = 0; i < body.length; i++) {
            if (body[i] == '"' && target-- == 0) {
                return i + 1;
            }
        }
        return 0;
    }

    static ObjectNode valid(String path, Random random) {
        ObjectNode body = F.objectNode();
        switch (path) {
            case "/v1/chat/completions" -> {
                body.putArray("messages").addObject().put("role", "user").put("content", "Hi " + random.nextInt());
                body.put("max_tokens", 1 + random.nextInt(4)).put("temperature", 0);
                if (random.nextBoolean()) {
                    body.put("stream", true);
                }
            }
            case "/v1/completions" -> {
                if (random.nextBoolean()) {
                    body.put("prompt", "Once " + random.nextInt());
                } else {
                    body.putArray("prompt").add(128000).add(9906);
                }
                body.put("max_tokens", 1 + random.nextInt(4));
            }
            case "/tokenize" -> body.put("prompt", "Привет " + random.nextInt());
            default -> body.putArray("tokens").add(9906).add(11);
        }
        return body;
    }

    static final List<String> FIELDS = List.of("model", "messages", "prompt", "max_tokens", "max_completion_tokens",
            "temperature", "top_p", "top_k", "seed", "n", "stop", "stream", "stream_options", "logprobs",
            "top_logprobs", "echo", "metadata", "tools", "chat_template_kwargs", "include_stop_str_in_output",
            "add_generation_prompt", "add_special_tokens", "tokens", "suffix");

    /** Sets a random field (or one inside a message) to a random value of any type. */
    static void mutate(ObjectNode body, Random random) {
        if (body.has("messages") && random.nextInt(4) == 0) {
            JsonNode messages = body.get("messages");
            if (messages.isArray() && messages.size() > 0 && messages.get(0).isObject()) {
                ((ObjectNode) messages.get(0)).set(random.nextBoolean() ? "content" : "role", value(random, 0));
                return;
            }
        }
        String field = FIELDS.get(random.nextInt(FIELDS.size()));
        if (random.nextInt(8) == 0) {
            body.remove(field);
        } else {
            body.set(field, value(random, 0));
        }
    }

    static JsonNode value(Random random, int depth) {
        return switch (random.nextInt(depth > 2 ? 8 : 11)) {
            case 0 -> F.nullNode();
            case 1 -> F.booleanNode(random.nextBoolean());
            case 2 -> F.numberNode(List.of(0, -1, 1, 2, 17, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE)
                    .get(random.nextInt(8)));
            case 3 -> F.numberNode(List.of(0.0, -0.5, 1.5, 1e308, -1e-308, 3.14).get(random.nextInt(6)));
            case 4 -> F.numberNode(new java.math.BigInteger("123456789012345678901234567890"));
            case 5 -> F.textNode(List.of("", "x", "\u0000", "🙂", "<|eot_id|>", "\n", "a".repeat(5000))
                    .get(random.nextInt(7)));
            case 6 -> F.textNode("ж".repeat(random.nextInt(3) == 0 ? 3_000_000 : 10));
            case 7 -> F.numberNode(random.nextLong());
            case 8 -> {
                ArrayNode a = F.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    a.add(value(random, depth + 1));
                }
                yield a;
            }
            case 9 -> {
                ObjectNode o = F.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    o.set(FIELDS.get(random.nextInt(FIELDS.size())), value(random, depth + 1));
                }
                yield o;
            }
            default -> {
                ArrayNode ids = F.arrayNode();
                for (int i = random.nextInt(5); i > 0; i--) {
                    ids.add(random.nextInt(3) == 0 ? random.nextInt() : random.nextInt(130000));
                }
                yield ids;
            }
        };
    }

}
