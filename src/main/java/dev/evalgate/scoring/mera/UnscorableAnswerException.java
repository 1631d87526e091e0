package dev.evalgate.scoring.mera;

/**
 * A document MERA's server could not score (answer of the wrong JSON type, a missing criterion, a label float() rejects):
 * the server then reports zeros for the whole task, and so does {@link MeraTask#metrics}.
 */
public final class UnscorableAnswerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message which document and why, for logs */
    public UnscorableAnswerException(String message) {
        super(message);
    }
}
