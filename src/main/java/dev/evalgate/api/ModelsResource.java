package dev.evalgate.api;

import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.evalgate.api.protocol.ListResponse;
import dev.evalgate.api.protocol.ModelCard;

/** {@code /v1/models}: the served model card, in vLLM's shape. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

    private final ServedModel model;

    public ModelsResource(ServedModel model) {
        this.model = model;
    }

    @GET
    public ListResponse<ModelCard> list() {
        return ListResponse.of(List.of(card()));
    }

    @GET
    @Path("/{id}")
    public ModelCard get(@PathParam("id") String id) {
        model.checkName(id);
        return card();
    }

    private ModelCard card() {
        return ModelCard.of(model.name(), model.created(), model.maxModelLen());
    }
}
