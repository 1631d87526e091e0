package dev.evalgate.engine;

/** The engine cannot take requests now (no healthy upstream, shutting down); the client may try again later. */
public class EngineUnavailableException extends EngineException {
    public EngineUnavailableException(String message) {
        super(message);
    }
}
