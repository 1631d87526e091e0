package dev.evalgate.ops;

import java.time.Duration;

/** What the gateway's shutdown takes beyond its settings, for the deployment checks (dev.evalgate.deploy). */
public final class ShutdownBudget {

    private ShutdownBudget() {
    }

    /** How long a drain out of time waits for the requests it stopped to send their last bytes. */
    public static Duration stopGrace() {
        return Admission.STOP_GRACE;
    }
}
