package dev.evalgate.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code /v1/models}: the served model card, in vLLM's shape. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

    private final ServedModel model;

    public ModelsResource(ServedModel model) {
        this.model = model;
    }

    @GET
    public Map<String, Object> list() {
        return Map.of("object", "list", "data", List.of(card()));
    }

    @GET
    @Path("/{id}")
    public Map<String, Object> get(@PathParam("id") String id) {
        model.checkName(id);
        return card();
    }

    private Map<String, Object> card() {
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("id", model.name());
        card.put("object", "model");
        card.put("created", model.created());
        card.put("owned_by", "evalgate");
        card.put("root", model.name());
        card.put("parent", null);
        card.put("max_model_len", model.maxModelLen());
        return card;
    }
}
