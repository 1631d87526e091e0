package dev.evalgate.api.protocol;

/** The OpenAI error envelope {@code {"error": {"message", "type", "param", "code"}}}; vLLM's {@code code} is the status. */
public record ErrorResponse(Error error) {

    public ErrorResponse(String message, String type, String param, int code) {
        this(new Error(message, type, param, code));
    }

    /** What went wrong, and which request field it was about (null when none). */
    public record Error(String message, String type, String param, int code) {
    }
}
