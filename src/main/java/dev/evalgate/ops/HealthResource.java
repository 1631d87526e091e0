package dev.evalgate.ops;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

import dev.evalgate.engine.InferenceEngine;

/** vLLM's {@code GET /health}: 200 with an empty body while the engine is alive, 503 when it is not. */
@Path("/health")
public class HealthResource {

    private final InferenceEngine engine;

    public HealthResource(InferenceEngine engine) {
        this.engine = engine;
    }

    @GET
    public Response health() {
        return Response.status(engine.healthy() ? 200 : 503).build();
    }
}
