package dev.evalgate;

import static io.restassured.RestAssured.given;

import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** The admin key the test profile configures ({@code %test.evalgate.auth.admin-key}), as tests send it. */
public final class TestAdmin {

    public static final String KEY = "evalgate-test-admin";
    public static final String AUTHORIZATION = "Bearer " + KEY;

    private TestAdmin() {
    }

    /** A request as an admin sends it: the key, and JSON Lines (gold uploads must not look like a form post). */
    public static RequestSpecification admin() {
        return admin(given());
    }

    /** The same on another base URI (a gateway process of its own). */
    public static RequestSpecification admin(RequestSpecification spec) {
        return jsonLines(spec.header("Authorization", AUTHORIZATION));
    }

    /** A request whose body is JSON Lines text ({@code application/x-ndjson}), which RestAssured sends as it is. */
    public static RequestSpecification jsonLines(RequestSpecification spec) {
        return spec.config(RestAssured.config().encoderConfig(EncoderConfig.encoderConfig()
                .encodeContentTypeAs("application/x-ndjson", ContentType.TEXT)))
                .contentType("application/x-ndjson; charset=UTF-8");
    }
}
