package dev.evalgate.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.JsonNode;

import dev.evalgate.api.protocol.EvalRuns.GoldUpload;
import dev.evalgate.api.protocol.EvalRuns.RunSummary;
import dev.evalgate.api.protocol.EvalRuns.Sample;
import dev.evalgate.api.protocol.ListResponse;
import dev.evalgate.ops.AccessControl.Caller;
import dev.evalgate.scoring.mera.GoldRow;
import dev.evalgate.scoring.mera.TaskCatalogue;
import dev.evalgate.scoring.runs.GoldFormatException;
import dev.evalgate.scoring.runs.GoldStore;
import dev.evalgate.scoring.runs.RunReport;
import dev.evalgate.scoring.runs.SampleRecord;
import dev.evalgate.scoring.runs.SubmissionZip;
import dev.evalgate.store.RunReports;
import dev.evalgate.store.SampleStore;
import io.vertx.core.http.HttpServerRequest;

/**
 * Benchmark runs as they fill in: {@code /v1/evals/runs}, a run's scores, its samples, its MERA submission zip; and
 * the admin endpoint that uploads gold. Synchronous methods, so RESTEasy runs them on worker threads.
 */
@Path("/v1/evals")
@Produces(MediaType.APPLICATION_JSON)
public class EvalRunsResource {

    private final SampleStore store;
    private final RunReports reports;
    private final GoldStore gold;
    private final TaskCatalogue catalogue;
    private final RunAccess access;

    public EvalRunsResource(SampleStore store, GoldStore gold, TaskCatalogue catalogue, RunAccess access,
            RunReports reports) {
        this.reports = reports;
        this.store = store;
        this.gold = gold;
        this.catalogue = catalogue;
        this.access = access;
    }

    @GET
    @Path("/runs")
    public ListResponse<RunSummary> runs(@Context HttpServerRequest request) {
        Caller caller = caller(request);
        List<RunSummary> data = new ArrayList<>();
        reports.runs().forEach((run, received) -> {
            if (access.read(run, caller)) {
                data.add(summary(reports.scored(run, received)));
            }
        });
        return ListResponse.of(data);
    }

    @GET
    @Path("/runs/{run}")
    public RunReport run(@PathParam("run") String run, @Context HttpServerRequest request) {
        Long received = reports.runs().get(run);
        if (received == null) {
            throw notFound(run);
        }
        checkRead(run, request);
        return reports.scored(run, received).report();
    }

    private Caller caller(HttpServerRequest request) {
        return access.caller(request.getHeader("Authorization"), request.remoteAddress());
    }

    /** A run another key owns is answered as one that does not exist: its name is not for others to confirm. */
    private Caller checkRead(String run, HttpServerRequest request) {
        Caller caller = caller(request);
        if (!access.read(run, caller)) {
            throw notFound(run);
        }
        return caller;
    }

    private boolean admin(HttpServerRequest request) {
        return access.admin(request.getHeader("Authorization"), request.remoteAddress(), request.getHeader("Host"));
    }

    private static RunSummary summary(RunReports.Scored scored) {
        return new RunSummary(scored.report().run(), scored.tasks(), scored.samples(), scored.report().totalScore());
    }

    @GET
    @Path("/runs/{run}/samples")
    public ListResponse<Sample> samples(@PathParam("run") String run, @QueryParam("task") String task,
            @Context HttpServerRequest request) {
        checkRead(run, request);
        boolean showGold = admin(request);
        List<Sample> data = new ArrayList<>();
        samples(run).forEach((taskName, samples) -> {
            if (task != null && !task.equalsIgnoreCase(taskName)) {
                return;
            }
            for (SampleRecord s : samples) {
                Optional<JsonNode> shownGold = showGold ? gold.row(s.task(), s.docId()).map(GoldRow::outputs) : null;
                data.add(new Sample(s.task(), s.id(), s.docId(), s.rawOutputs(), s.answer(), s.score(), s.ttftMs(),
                        s.totalMs(), s.model(), s.engine(), s.request(), shownGold));
            }
        });
        return ListResponse.of(data);
    }

    @GET
    @Path("/runs/{run}/submission.zip")
    @Produces("application/zip")
    public Response submission(@PathParam("run") String run, @Context HttpServerRequest request) throws IOException {
        checkRead(run, request);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SubmissionZip.write(out, samples(run), gold, catalogue);
        return Response.ok(out.toByteArray(), "application/zip")
                .header("Content-Disposition", "attachment; filename=\"" + run.replaceAll("[^A-Za-z0-9._-]", "_")
                        + "-submission.zip\"")
                .build();
    }

    /** Uploads gold for one task: JSONL (a row per line) or MERA's JSON ({@code {"data": {"test": [...]}}}). */
    @POST
    @Path("/gold/{task}")
    public GoldUpload uploadGold(@PathParam("task") String task, String body, @Context HttpServerRequest request) {
        if (!admin(request)) {
            throw new ApiException(401, "AuthenticationError", null,
                    "Admin endpoints need the admin key as a Bearer token (evalgate.auth.admin-key), from a Host this "
                            + "gateway serves (its own names and addresses, or evalgate.auth.admin-hosts).");
        }
        String type = request.getHeader("Content-Type");
        if (type == null || !(type.startsWith("application/json") || type.startsWith("application/x-ndjson")
                || type.startsWith("application/jsonl"))) {
            // a cross-site form can post text/plain, but not JSON without a preflight this gateway never allows
            throw new ApiException(415, "UnsupportedMediaTypeError", null, "Gold uploads must be sent as "
                    + "application/json (MERA's JSON) or application/x-ndjson (JSON Lines), not " + type + ".");
        }
        String trimmed = body == null ? "" : body.stripLeading();
        String fileName = task + (trimmed.startsWith("{\"data\"") || trimmed.startsWith("{ \"data\"") ? ".json" : ".jsonl");
        try {
            String content = body == null ? "" : body;
            gold.check(task, fileName, content);
            store.saveGold(task.toLowerCase(), fileName, content);
            int rows = gold.upload(task, fileName, content);
            return new GoldUpload(task.toLowerCase(), rows, gold.goldCount(task.toLowerCase()));
        } catch (GoldFormatException e) {
            throw ApiException.badRequest("body", e.getMessage());
        }
    }

    /** The sample store: its mode, and in PostgreSQL mode whether the database answers and what waits for it. */
    @GET
    @Path("/store")
    public Map<String, Object> store() {
        Map<String, Object> status = new LinkedHashMap<>(store.status());
        status.put("gold_problems", gold.problems());
        return status;
    }

    private Map<String, Collection<SampleRecord>> samples(String run) {
        return store.run(run).orElseThrow(() -> notFound(run));
    }

    private static ApiException notFound(String run) {
        return new ApiException(404, "NotFoundError", "run", "The run `" + run + "` does not exist.");
    }
}
