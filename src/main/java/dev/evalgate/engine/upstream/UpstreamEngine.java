package dev.evalgate.engine.upstream;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.evalgate.engine.EngineCapabilities;
import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.EngineStatus;
import dev.evalgate.engine.EngineUnavailableException;
import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.GenerationStep;
import dev.evalgate.engine.InferenceEngine;
import dev.evalgate.engine.ModelMetadata;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * A pool of OpenAI-compatible inference servers (vLLM, trtllm-serve, TGI, another evalgate) as one engine. evalgate
 * keeps the prompt, the stop strings and the scoring: in {@link Mode#PROMPT} it sends the token ids it rendered to
 * {@code /v1/completions}; in {@link Mode#CHAT} it forwards the conversation to {@code /v1/chat/completions} for
 * upstreams whose tokenizer it does not have. Requests go to the member with the fewest in flight; a member that
 * fails is ejected until its {@code /health} answers again, and a request is retried on another member as long as
 * none of its tokens went out.
 *
 * <p>Threading: everything runs on Vert.x event loops through the non-blocking HTTP client (keep-alive pooled), except
 * {@link #tokenize} and {@link #detokenize}, which wait for the upstream and are called on worker threads only.
 */
public final class UpstreamEngine implements InferenceEngine {

    private static final Logger LOG = Logger.getLogger(UpstreamEngine.class);
    static final ObjectMapper JSON = new ObjectMapper();

    /** How evalgate talks to the upstreams. */
    public enum Mode {
        /** evalgate renders the chat template and sends token ids to {@code /v1/completions}. */
        PROMPT,
        /** evalgate forwards chat requests to {@code /v1/chat/completions}; the upstream renders them. */
        CHAT
    }

    /**
     * How to reach the pool.
     *
     * @param model the upstreams' model name; empty to ask them ({@code /v1/models}) and use what they serve
     * @param contextLength the model's context length; empty to ask them
     * @param firstTokenTimeout longest wait from sending a request to its first chunk; past it, another member
     * @param idleTimeout longest silence between two chunks of a stream; past it, the stream fails
     * @param healthInterval how often every member's {@code /health} is asked
     */
    public record Settings(List<URI> urls, Optional<String> apiKey, Optional<String> model, Mode mode,
            Duration connectTimeout, Duration firstTokenTimeout, Duration idleTimeout, Duration healthInterval,
            OptionalInt contextLength, int maxConnections) {
    }

    private final Settings settings;
    private final Vertx vertx;
    private final HttpClient client;
    private final List<Upstream> members;
    private final AtomicInteger rotation = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private final long healthTimer;
    private volatile boolean closed;

    private UpstreamEngine(Settings settings, Vertx vertx) {
        this.settings = settings;
        this.vertx = vertx;
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setConnectTimeout((int) settings.connectTimeout().toMillis())
                .setMaxPoolSize(settings.maxConnections()).setTryUseCompression(false));
        List<Upstream> list = new ArrayList<>();
        for (URI url : settings.urls()) {
            list.add(new Upstream(url));
        }
        this.members = List.copyOf(list);
        this.healthTimer = vertx.setPeriodic(settings.healthInterval().toMillis(), id -> checkAll());
    }

    /**
     * Starts the pool: asks every member for {@code /health} and its model once, waiting up to the connect timeout,
     * so that a pool that is up serves at once. Members that do not answer are tried again every health interval.
     */
    public static UpstreamEngine start(Settings settings, Vertx vertx) {
        return start(settings, vertx, null);
    }

    /**
     * As {@link #start(Settings, Vertx)}, and shows every member on {@code registry}: {@code evalgate_upstream_healthy},
     * {@code evalgate_upstream_in_flight}, {@code evalgate_upstream_requests_total},
     * {@code evalgate_upstream_failures_total} and {@code evalgate_upstream_first_chunk_seconds} (weighted mean), by url.
     */
    public static UpstreamEngine start(Settings settings, Vertx vertx, MeterRegistry registry) {
        if (settings.urls().isEmpty()) {
            throw new EngineException("evalgate.engine=upstream needs at least one server: set "
                    + "EVALGATE_ENGINE_UPSTREAM_URLS to their base URLs, comma-separated (e.g. http://vllm:8000)");
        }
        UpstreamEngine engine = new UpstreamEngine(settings, vertx);
        if (registry != null) {
            for (Upstream u : engine.members) {
                Tags url = Tags.of("url", u.url);
                Gauge.builder("evalgate.upstream.healthy", u, m -> m.healthy() ? 1 : 0).tags(url)
                        .description("Whether the upstream takes requests").register(registry);
                Gauge.builder("evalgate.upstream.in.flight", u, m -> m.inFlight.get()).tags(url)
                        .description("Requests in flight on the upstream").register(registry);
                FunctionCounter.builder("evalgate.upstream.requests", u, m -> m.status().requests()).tags(url)
                        .description("Requests sent to the upstream").register(registry);
                FunctionCounter.builder("evalgate.upstream.failures", u, m -> m.status().failures()).tags(url)
                        .description("Requests and health checks the upstream failed").register(registry);
                Gauge.builder("evalgate.upstream.first.chunk", u, m -> m.status().meanFirstChunkMs() / 1000).tags(url)
                        .baseUnit("seconds").description("Time to the first streamed chunk, weighted to recent requests")
                        .register(registry);
            }
        }
        try {
            engine.checkAllFuture().toCompletionStage().toCompletableFuture()
                    .get(settings.connectTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warnf("upstreams did not all answer at start (%s); they are asked again every %s", e.getMessage(),
                    settings.healthInterval());
        }
        for (Upstream u : engine.members) {
            LOG.infof("upstream %s: %s%s", u.url, u.healthy() ? "healthy" : "not answering",
                    u.model == null ? "" : ", serving " + u.model + " (max_model_len " + u.maxModelLen + ")");
        }
        return engine;
    }

    @Override
    public String name() {
        return "upstream";
    }

    @Override
    public String modelName() {
        return settings.model().orElseGet(() -> members.stream().map(u -> u.model).filter(m -> m != null).findFirst()
                .orElse("upstream"));
    }

    /** The name sent as {@code model}: the configured one, else what the members serve, else none (their default). */
    String upstreamModel() {
        return settings.model().orElseGet(() -> members.stream().map(u -> u.model).filter(m -> m != null).findFirst()
                .orElse(null));
    }

    @Override
    public EngineCapabilities capabilities() {
        int context = settings.contextLength().orElseGet(() -> members.stream().mapToInt(u -> u.maxModelLen)
                .filter(n -> n > 0).min().orElse(DEFAULT_CONTEXT));
        return new EngineCapabilities(context, true, settings.mode() == Mode.PROMPT, 20,
                settings.mode() == Mode.CHAT ? "in chat mode evalgate forwards chat requests and has no prompt "
                        + "log-probabilities to give (set EVALGATE_ENGINE_UPSTREAM_MODE=prompt)" : null,
                settings.mode() == Mode.CHAT);
    }

    /** Context length assumed while no member has said its own and none is configured. */
    static final int DEFAULT_CONTEXT = 4096;

    @Override
    public int[] tokenize(String text) {
        ObjectNode body = JSON.createObjectNode().put("prompt", text).put("add_special_tokens", false);
        JsonNode answer = blockingPost("/tokenize", body);
        int[] ids = new int[answer.path("tokens").size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = answer.path("tokens").get(i).asInt();
        }
        return ids;
    }

    @Override
    public String detokenize(int[] ids) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode tokens = body.putArray("tokens");
        for (int id : ids) {
            tokens.add(id);
        }
        return blockingPost("/detokenize", body).path("prompt").asText();
    }

    /** A POST to a healthy member, waited for: for the tokenizer endpoints, on worker threads only. */
    private JsonNode blockingPost(String path, ObjectNode body) {
        Upstream member = pick(List.of());
        if (member == null) {
            throw new EngineUnavailableException(noneHealthy());
        }
        try {
            return client.request(options(member, HttpMethod.POST, path))
                    .compose(req -> req.putHeader("Content-Type", "application/json").send(body.toString()))
                    .compose(resp -> resp.body().map(b -> {
                        if (resp.statusCode() != 200) {
                            throw new EngineException(member.url + path + " answered " + resp.statusCode() + ": " + b);
                        }
                        return readJson(b.toString());
                    }))
                    .toCompletionStage().toCompletableFuture()
                    .get(settings.firstTokenTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted waiting for " + member.url + path, e);
        } catch (Exception e) {
            throw new EngineException(member.url + path + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public ModelMetadata metadata() {
        return ModelMetadata.none();
    }

    @Override
    public Multi<GenerationStep> generate(GenerationRequest request) {
        return Multi.createFrom().emitter(emitter -> {
            if (closed) {
                emitter.fail(new EngineUnavailableException("the gateway is shutting down"));
                return;
            }
            active.incrementAndGet();
            UpstreamCall call = new UpstreamCall(this, request, emitter);
            emitter.onTermination(() -> {
                active.decrementAndGet();
                call.terminated();
            });
            call.start();
        });
    }

    @Override
    public boolean healthy() {
        return !closed && members.stream().anyMatch(Upstream::healthy);
    }

    @Override
    public EngineStatus status() {
        List<Upstream.Status> upstreams = members.stream().map(Upstream::status).toList();
        return new EngineStatus(name(), modelName(), healthy(), active.get(),
                new PoolStatus(settings.mode().name().toLowerCase(), upstreams));
    }

    /** The pool as {@code GET /v1/engine} shows it. */
    public record PoolStatus(String mode, List<Upstream.Status> upstreams) {
    }

    @Override
    public void close() {
        closed = true;
        vertx.cancelTimer(healthTimer);
        client.close();
    }

    Settings settings() {
        return settings;
    }

    HttpClient client() {
        return client;
    }

    Vertx vertx() {
        return vertx;
    }

    /**
     * The healthy member with the fewest requests in flight, not one of {@code tried}; among equals the next in turn,
     * so that an idle pool still spreads its load. Null when there is none.
     */
    Upstream pick(List<Upstream> tried) {
        Upstream best = null;
        int start = Math.floorMod(rotation.getAndIncrement(), members.size());
        for (int i = 0; i < members.size(); i++) {
            Upstream u = members.get((start + i) % members.size());
            if (u.healthy() && !tried.contains(u) && (best == null || u.inFlight.get() < best.inFlight.get())) {
                best = u;
            }
        }
        return best;
    }

    String noneHealthy() {
        StringBuilder why = new StringBuilder("no upstream server is healthy");
        for (Upstream u : members) {
            why.append("; ").append(u.url).append(": ").append(u.status().lastError());
        }
        return why.toString();
    }

    RequestOptions options(Upstream member, HttpMethod method, String path) {
        RequestOptions options = new RequestOptions().setMethod(method).setHost(member.host).setPort(member.port)
                .setSsl(member.ssl).setURI(member.root + path);
        settings.apiKey().ifPresent(key -> options.putHeader("Authorization", "Bearer " + key));
        return options;
    }

    static JsonNode readJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new EngineException("the upstream answered something that is not JSON: "
                    + text.substring(0, Math.min(200, text.length())), e);
        }
    }

    private void checkAll() {
        checkAllFuture();
    }

    /** Asks every member for {@code /health}, and for its model while that is unknown. */
    private Future<Void> checkAllFuture() {
        List<Future<Void>> checks = new ArrayList<>();
        for (Upstream u : members) {
            checks.add(check(u));
        }
        return Future.join(checks).mapEmpty();
    }

    private Future<Void> check(Upstream u) {
        return client.request(options(u, HttpMethod.GET, "/health").setTimeout(settings.connectTimeout().toMillis()))
                .compose(req -> req.send())
                .compose(resp -> resp.body().map(b -> resp.statusCode()))
                .compose(status -> {
                    u.checked(status == 200, "/health answered " + status);
                    return status == 200 && u.model == null ? models(u) : Future.succeededFuture();
                }, failure -> {
                    u.checked(false, "/health: " + failure.getMessage());
                    return Future.succeededFuture();
                });
    }

    /** Reads the member's model and context length from {@code /v1/models}. */
    private Future<Void> models(Upstream u) {
        return client.request(options(u, HttpMethod.GET, "/v1/models").setTimeout(settings.connectTimeout().toMillis()))
                .compose(req -> req.send())
                .compose(resp -> resp.body())
                .map(b -> {
                    JsonNode card = readJson(b.toString()).path("data").path(0);
                    if (card.hasNonNull("id")) {
                        u.model = card.get("id").asText();
                        u.maxModelLen = card.path("max_model_len").asInt(0);
                    }
                    return (Void) null;
                })
                .otherwise(failure -> null);
    }
}
