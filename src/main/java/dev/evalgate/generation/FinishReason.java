package dev.evalgate.generation;

/** Why a sequence ended, in OpenAI's words. */
public enum FinishReason {
    STOP("stop"), LENGTH("length");

    private final String wire;

    FinishReason(String wire) {
        this.wire = wire;
    }

    /** The value of {@code finish_reason} on the wire. */
    public String wire() {
        return wire;
    }
}
