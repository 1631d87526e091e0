package dev.evalgate.store;

/** The database could not answer a read or a gold upload; samples are never lost this way, only reads wait. */
public class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
