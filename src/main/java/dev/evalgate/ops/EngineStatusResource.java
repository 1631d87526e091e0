package dev.evalgate.ops;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.evalgate.engine.EngineStatus;
import dev.evalgate.engine.InferenceEngine;

/** {@code GET /v1/engine}: which engine serves, whether it can, and what it is doing (an upstream pool's members). */
@Path("/v1/engine")
@Produces(MediaType.APPLICATION_JSON)
public class EngineStatusResource {

    private final InferenceEngine engine;

    public EngineStatusResource(InferenceEngine engine) {
        this.engine = engine;
    }

    @GET
    public EngineStatus status() {
        return engine.status();
    }
}
