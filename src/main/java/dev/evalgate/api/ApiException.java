package dev.evalgate.api;

/** A request that cannot be served, with the HTTP status and OpenAI error type it maps to. */
public class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private Long retryAfter;

    public ApiException(int status, String type, String param, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
    }

    public static ApiException badRequest(String param, String message) {
        return new ApiException(400, "BadRequestError", param, message);
    }

    public static ApiException modelNotFound(String model) {
        return new ApiException(404, "NotFoundError", "model", "The model `" + model + "` does not exist.");
    }

    /** Says when the client may try again ({@code Retry-After}, seconds). */
    public ApiException retryAfter(long seconds) {
        this.retryAfter = seconds;
        return this;
    }

    /** Seconds after which the client may try again, or null. */
    public Long retryAfter() {
        return retryAfter;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }
}
