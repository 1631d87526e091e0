package dev.evalgate.api;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.evalgate.store.StoreUnavailableException;

/** Gives the REST resources the same OpenAI error envelope as the generation routes. */
public class ApiExceptionMapper {

    @ServerExceptionMapper
    public Response map(ApiException e) {
        return Response.status(e.status()).type(MediaType.APPLICATION_JSON).entity(OpenAiErrors.body(e)).build();
    }

    /** The database did not answer a read: 503, and the client may try again. */
    @ServerExceptionMapper
    public Response map(StoreUnavailableException e) {
        return map(OpenAiErrors.toApi(e));
    }
}
