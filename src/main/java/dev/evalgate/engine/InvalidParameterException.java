package dev.evalgate.engine;

/** A request parameter the client sent is out of range or inconsistent; always the client's mistake. */
public class InvalidParameterException extends RuntimeException {
    private final String param;

    public InvalidParameterException(String param, String message) {
        super(message);
        this.param = param;
    }

    /** The offending request field, or null when no single field is to blame. */
    public String param() {
        return param;
    }
}
