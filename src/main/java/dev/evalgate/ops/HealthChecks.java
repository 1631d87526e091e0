package dev.evalgate.ops;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

import dev.evalgate.engine.InferenceEngine;

/**
 * Kubernetes' probes on SmallRye Health: {@code /q/health/live} (the process serves; it never depends on an upstream,
 * so a pool of GPUs going away does not restart the gateway) and {@code /q/health/ready} ({@link Readiness}).
 */
public final class HealthChecks {

    private HealthChecks() {
    }

    /** Live while the process serves HTTP. */
    @Liveness
    @ApplicationScoped
    public static class Live implements HealthCheck {
        private final InferenceEngine engine;

        public Live(InferenceEngine engine) {
            this.engine = engine;
        }

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.named("evalgate").up().withData("engine", engine.name()).build();
        }
    }

    /** Ready once the engine produced a token, while it can serve and the gateway is not draining. */
    @org.eclipse.microprofile.health.Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {
        private final Readiness readiness;

        public Ready(Readiness readiness) {
            this.readiness = readiness;
        }

        @Override
        public HealthCheckResponse call() {
            String why = readiness.notReadyBecause();
            return HealthCheckResponse.named("evalgate").status(why == null)
                    .withData("reason", why == null ? "ready" : why).build();
        }
    }
}
