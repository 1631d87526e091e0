package dev.evalgate.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.evalgate.engine.llamacpp.TinyLlamaGguf;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * A GGUF served without Hugging Face tokenizer files, so llama.cpp's own tokenizer answers /tokenize and /detokenize:
 * a token id past the vocabulary used to reach it and abort the whole JVM; now it is a 400 and the gateway serves on.
 */
@QuarkusTest
@TestProfile(BareGgufTest.BareGguf.class)
class BareGgufTest {

    /** The generated tiny model as a plain GGUF file: no tokenizer folder beside it. */
    public static class BareGguf implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path model = TinyLlamaGguf.ensure(Path.of("target", "bare-gguf", "tiny.gguf").toAbsolutePath());
                return Map.of("evalgate.engine.llamacpp.model", model.toString(), "evalgate.data-dir",
                        "target/evalgate-data-bare");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void anIdPastTheVocabularyIsA400AndTheGatewayLives() {
        given().get("/tokenizer_info").then().statusCode(200).body("tokenizer_class",
                org.hamcrest.Matchers.equalTo("llama.cpp"));
        for (String ids : new String[] {"[9906, 128256]", "[2000000000]", "[-1]"}) {
            Response r = given().contentType("application/json").body("{\"tokens\": " + ids + "}").post("/detokenize");
            assertEquals(400, r.statusCode(), r.asString());
            assertEquals("tokens", r.path("error.param"));
        }
        Response fine = given().contentType("application/json").body("{\"tokens\": [9906, 11]}").post("/detokenize");
        assertEquals(200, fine.statusCode(), fine.asString());
        assertEquals("Hello,", fine.path("prompt"));
        Response completion = given().contentType("application/json").body("{\"prompt\": [1, 300000], \"max_tokens\": 1}")
                .post("/v1/completions");
        assertEquals(400, completion.statusCode());
        assertTrue(completion.<String>path("error.message").contains("out of vocabulary"));
        given().get("/health").then().statusCode(200);
    }
}
