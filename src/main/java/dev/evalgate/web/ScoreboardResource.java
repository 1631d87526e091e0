package dev.evalgate.web;

import java.time.Duration;

import jakarta.inject.Singleton;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestStreamElementType;

import dev.evalgate.api.ApiException;
import dev.evalgate.api.RunAccess;
import dev.evalgate.ops.AccessControl.Caller;
import dev.evalgate.scoring.mera.TaskCatalogue;
import dev.evalgate.store.RunReports;
import dev.evalgate.store.SampleStore;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.http.HttpServerRequest;

/**
 * The scoreboard's data: a run's view ({@code GET /v1/scoreboard/runs/{run}}) and the same view pushed as server-sent
 * events whenever it changes ({@code /events}). Under {@code /v1}, so client keys and run ownership apply as they do
 * to the runs API: a run the caller may not read does not exist for it.
 */
@Path("/v1/scoreboard")
@Singleton
public class ScoreboardResource {

    /** How often a watched run is looked at; a view is sent only when it changed. */
    static final Duration REFRESH = Duration.ofSeconds(1);

    private final ScoreboardViews views;
    private final RunAccess access;

    public ScoreboardResource(RunReports reports, SampleStore store, TaskCatalogue catalogue, RunAccess access) {
        // every page watching a run looks every REFRESH; the store is asked about the run at most twice as often
        this.views = new ScoreboardViews(reports, store, catalogue, REFRESH.dividedBy(2));
        this.access = access;
    }

    @GET
    @Path("/runs/{run}")
    @Produces(MediaType.APPLICATION_JSON)
    public ScoreboardView run(@PathParam("run") String run, @Context HttpServerRequest request) {
        checkRead(run, request);
        return views.view(run).orElseThrow(() -> notFound(run));
    }

    /** The view now, then again each time it changes; the stream lasts until the client goes. */
    @GET
    @Path("/runs/{run}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Blocking
    public Multi<ScoreboardView> events(@PathParam("run") String run, @Context HttpServerRequest request) {
        checkRead(run, request);
        if (views.view(run).isEmpty()) {
            throw notFound(run);
        }
        return Multi.createFrom().ticks().startingAfter(Duration.ofMillis(1)).every(REFRESH)
                .onOverflow().drop()
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(tick -> views.view(run))
                .filter(view -> view.isPresent())
                .map(view -> view.get())
                .skip().repetitions();
    }

    private void checkRead(String run, HttpServerRequest request) {
        Caller caller = access.caller(request.getHeader("Authorization"), request.remoteAddress());
        if (!access.read(run, caller)) {
            throw notFound(run);
        }
    }

    private static ApiException notFound(String run) {
        return new ApiException(404, "NotFoundError", "run", "The run `" + run + "` does not exist.");
    }
}
