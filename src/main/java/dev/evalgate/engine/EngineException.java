package dev.evalgate.engine;

/** The engine failed while serving a request (not the client's fault). */
public class EngineException extends RuntimeException {
    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }

    public EngineException(String message) {
        super(message);
    }
}
