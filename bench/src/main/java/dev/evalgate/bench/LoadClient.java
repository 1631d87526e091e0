package dev.evalgate.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The benchmark's load generator, a JVM of its own so its work is not billed to the server under test. HTTP/1.1, one
 * keep-alive connection per stream, SSE parsed incrementally. Every mode prints one {@code RESULT <json>} line per
 * measurement on stdout; progress goes to stderr. Traffic goes to 127.0.0.1 only, and every loop has a deadline.
 *
 * <ul>
 * <li>{@code capture --port P --max-tokens N --out FILE}: one stream, its content pieces saved for the baseline.</li>
 * <li>{@code throughput --targets NAME:PORT:PID,... --concurrency 1,64,512 --max-tokens N --seconds S --rounds R
 * --warmup-seconds W --jit-warmup-seconds J [--jit-warmup-concurrency 64]}: back-to-back streams per concurrency
 * level, the targets taking turns in R rounds of S/R measured seconds, each after W seconds of unmeasured ramp; first,
 * J seconds of load per target, printed and not counted.</li>
 * <li>{@code hold --port P --pid PID --streams N --max-tokens M}: N slow streams held open; the server's memory
 * after a full GC, idle and loaded.</li>
 * <li>{@code gold --port P}: uploads the PARus gold that tagged targets' requests are scored against.</li>
 * <li>{@code tokenize --port P --out FILE}: the gateway's {@code /tokenize} answer for the bench's chat request (the
 * prompt ids its engine receives), for {@link LlamaCppDirect}.</li>
 * <li>{@code mera --targets NAME:PORT:PID,... --concurrency 1,64,512 --requests N --seconds S --rounds R
 * --warmup-seconds W --jit-warmup-seconds J}: the same rounds with MERA-shaped requests ({@link MeraRequests}: long
 * prompts, answers of 1 to 8 tokens), N distinct ones sent in turn; requests/s and time to first content. First,
 * each distinct request once, unstreamed, to the first target, for its prompt length as the gateway counts it.</li>
 * </ul>
 */
public final class LoadClient {

    /** The one prompt every request sends: the synthetic engine's text depends on it, and the baseline replays it. */
    static final String PROMPT = "Write a short story about a lighthouse keeper.";

    private LoadClient() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            throw new IllegalArgumentException("usage: LoadClient capture|throughput|hold --name value ...");
        }
        Map<String, String> args = BenchArgs.parse(argv, 1);
        int loops = BenchArgs.intArg(args, "event-loops", Runtime.getRuntime().availableProcessors());
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        try {
            switch (argv[0]) {
                case "capture" -> capture(vertx, args);
                case "throughput" -> throughput(vertx, args, loops);
                case "hold" -> hold(vertx, args, loops);
                case "gold" -> gold(vertx, args);
                case "mera" -> mera(vertx, args, loops);
                case "tokenize" -> tokenize(vertx, args);
                case "llamacpp" -> llamacpp(vertx, args, loops);
                default -> throw new IllegalArgumentException("unknown mode " + argv[0]);
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        // llama.cpp's native loop stays attached as a non-daemon thread after its model is closed: end the JVM here
        System.out.flush();
        System.exit(0);
    }

    static Buffer requestBody(int maxTokens) {
        JsonObject body = new JsonObject()
                .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", PROMPT)))
                .put("stream", true)
                .put("max_tokens", maxTokens);
        return body.toBuffer();
    }

    /** Records one stream's content pieces and its size in bytes, for the baseline to replay. */
    private static void capture(Vertx vertx, Map<String, String> args) throws Exception {
        int port = BenchArgs.intArg(args, "port", 8080);
        int maxTokens = BenchArgs.intArg(args, "max-tokens", 256);
        HttpClient client = vertx.createHttpClient(StreamLoadVerticle.clientOptions(port));
        Buffer whole = client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(StreamLoadVerticle.PATH)
                        .putHeader("Content-Type", "application/json"))
                .compose(req -> req.send(requestBody(maxTokens)))
                .compose(resp -> resp.statusCode() == 200 ? resp.body()
                        : Future.failedFuture("HTTP " + resp.statusCode()))
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        client.close();
        String text = whole.toString(StandardCharsets.UTF_8);
        JsonArray pieces = new JsonArray();
        String model = null;
        int contentEvents = 0;
        int contentBytes = 0;
        boolean done = false;
        for (String event : text.split("\n\n")) {
            if (!event.startsWith("data: ")) {
                continue;
            }
            String data = event.substring("data: ".length());
            if (data.equals("[DONE]")) {
                done = true;
                continue;
            }
            JsonObject chunk = new JsonObject(data);
            model = chunk.getString("model", model);
            JsonArray choices = chunk.getJsonArray("choices");
            if (choices == null || choices.isEmpty()) {
                continue;
            }
            JsonObject delta = choices.getJsonObject(0).getJsonObject("delta");
            if (delta != null && delta.containsKey("content") && !delta.containsKey("role")) {
                pieces.add(delta.getString("content"));
                contentEvents++;
                contentBytes += (event + "\n\n").getBytes(StandardCharsets.UTF_8).length;
            }
        }
        JsonObject out = new JsonObject()
                .put("mode", "capture")
                .put("target", args.getOrDefault("target", "unknown"))
                .put("model", model)
                .put("max_tokens", maxTokens)
                .put("content_events", contentEvents)
                .put("done", done)
                .put("stream_bytes", whole.length())
                .put("mean_content_event_bytes", contentEvents == 0 ? 0 : (double) contentBytes / contentEvents)
                .put("pieces", pieces);
        if (args.containsKey("out")) {
            Files.writeString(Path.of(args.get("out")), out.encodePrettily());
        }
        out.remove("pieces");
        System.out.println("RESULT " + out.encode());
    }

    /** Saves the gateway's token ids of the bench's chat prompt, rendered as its engine receives it. */
    private static void tokenize(Vertx vertx, Map<String, String> args) throws Exception {
        int port = BenchArgs.intArg(args, "port", 8080);
        JsonObject body = new JsonObject().put("messages", requestBody(1).toJsonObject().getJsonArray("messages"));
        HttpClient client = vertx.createHttpClient(StreamLoadVerticle.clientOptions(port));
        String answer = client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/tokenize")
                        .putHeader("Content-Type", "application/json"))
                .compose(req -> req.send(body.toBuffer()))
                .compose(resp -> resp.body().compose(b -> resp.statusCode() == 200 ? Future.succeededFuture(b.toString())
                        : Future.failedFuture("HTTP " + resp.statusCode() + ": " + b)))
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        client.close();
        Files.writeString(Path.of(BenchArgs.required(args, "out")), answer);
        System.err.println("prompt ids: " + new JsonObject(answer).getJsonArray("tokens").size());
    }

    /** Uploads PARus gold for the documents tagged requests name, so that the gateway scores them for real. */
    private static void gold(Vertx vertx, Map<String, String> args) throws Exception {
        int port = BenchArgs.intArg(args, "port", 8080);
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < StreamLoadVerticle.GOLD_ROWS; i++) {
            rows.append(new JsonObject().put("instruction", "{premise} 1. {choice1} 2. {choice2}")
                    .put("inputs", new JsonObject().put("premise", PROMPT).put("choice1", "a").put("choice2", "b"))
                    .put("outputs", i % 2 == 0 ? "1" : "2")
                    .put("meta", new JsonObject().put("id", i).put("task", "cause")).encode()).append('\n');
        }
        HttpClient client = vertx.createHttpClient(StreamLoadVerticle.clientOptions(port));
        String answer = client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/evals/gold/parus"))
                .compose(req -> req.putHeader("Authorization", "Bearer bench-admin")
                        .putHeader("Content-Type", "application/x-ndjson").send(rows.toString()))
                .compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        client.close();
        if (!answer.startsWith("200 ")) {
            throw new IllegalStateException("gold upload refused: " + answer);
        }
        System.err.println("gold uploaded: " + answer.substring(4));
    }

    /** {@code name:port:pid[:tagged],...}, or the single {@code --target --port --server-pid} form. */
    static List<LoadWindow.Target> targets(Map<String, String> args) {
        List<LoadWindow.Target> out = new ArrayList<>();
        if (args.containsKey("targets")) {
            for (String t : args.get("targets").split(",")) {
                String[] f = t.split(":");
                out.add(new LoadWindow.Target(f[0], Integer.parseInt(f[1]), f.length > 2 ? Long.parseLong(f[2]) : 0,
                        f.length > 3 && f[3].equals("tagged")));
            }
        } else {
            out.add(new LoadWindow.Target(BenchArgs.required(args, "target"), BenchArgs.intArg(args, "port", 8080),
                    Long.parseLong(args.getOrDefault("server-pid", "0")), false));
        }
        return out;
    }

    /**
     * Back-to-back streams at each concurrency level. The measured time of a level is split into rounds, and in each
     * round every target gets one window (order reversed every other round: A B, B A, A B...), so a drift in the
     * machine's speed during the run lands on all targets alike.
     */
    private static void throughput(Vertx vertx, Map<String, String> args, int loops) throws Exception {
        int maxTokens = BenchArgs.intArg(args, "max-tokens", 256);
        levels(vertx, args, loops, "throughput", List.of(requestBody(maxTokens)), maxTokens);
    }

    /**
     * The concurrency levels of one mode: a JIT warm-up per target (printed, not counted), then per level the rounds.
     *
     * @param maxTokens content events a complete stream has, -1 when any count is complete
     */
    private static void levels(Vertx vertx, Map<String, String> args, int loops, String mode, List<Buffer> bodies,
            int maxTokens) throws Exception {
        double drain = BenchArgs.doubleArg(args, "drain-seconds", 30);
        Windows windows = (t, concurrency, ramp, seconds) ->
                LoadWindow.run(vertx, t, bodies, maxTokens, concurrency, loops, ramp, seconds, drain);
        levels(args, mode, targets(args), maxTokens, windows, windows);
    }

    /**
     * The embedded llama.cpp engine through the gateway (the first target) against the same model driven directly
     * through the binding in this process ({@link LlamaCppDirect}), their windows taking turns as in {@link
     * #throughput}. The gateway's JIT warm-up is a quarter of 2-token streams (the MERA shape: its per-request code
     * gets compiled) and the rest the measured streams (its per-token code): a JVM compiles a method after thousands
     * of calls, and a tiny model on 2 cores gives 2 requests and 60 tokens a second. The direct loop, native but for a
     * few lines, warms up for 10 s.
     */
    private static void llamacpp(Vertx vertx, Map<String, String> args, int loops) throws Exception {
        int maxTokens = BenchArgs.intArg(args, "max-tokens", 32);
        double drain = BenchArgs.doubleArg(args, "drain-seconds", 30);
        // with its usage, so that a content event carrying two tokens counts two (StreamLoadVerticle, on USAGE)
        JsonObject body = requestBody(maxTokens).toJsonObject()
                .put("stream_options", new JsonObject().put("include_usage", true));
        List<Buffer> bodies = List.of(body.toBuffer());
        List<Buffer> shortBodies = List.of(body.copy().put("max_tokens", 2).toBuffer());
        LoadWindow.Target gateway = targets(args).get(0);
        LoadWindow.Target direct = new LoadWindow.Target(LlamaCppDirect.NAME, 0, 0, false);
        try (LlamaCppDirect engine = new LlamaCppDirect(args, maxTokens)) {
            Windows windows = (t, concurrency, ramp, seconds) -> t == direct ? engine.window(concurrency, ramp, seconds)
                    : LoadWindow.run(vertx, t, bodies, maxTokens, concurrency, loops, ramp, seconds, drain);
            Windows warmup = (t, concurrency, ramp, seconds) -> {
                if (t == direct) {
                    return engine.window(concurrency, ramp, Math.min(seconds, 10));
                }
                LoadWindow.run(vertx, t, shortBodies, 2, concurrency, loops, ramp, seconds / 4, drain);
                return windows.run(t, concurrency, ramp, seconds * 3 / 4);
            };
            levels(args, "llamacpp", List.of(gateway, direct), maxTokens, warmup, windows);
        }
    }

    /** Measures one window of one target: {@code concurrency} streams, {@code ramp} s unmeasured, {@code seconds} measured. */
    private interface Windows {
        LoadWindow run(LoadWindow.Target target, int concurrency, double ramp, double seconds) throws Exception;
    }

    private static void levels(Map<String, String> args, String mode, List<LoadWindow.Target> targets, int maxTokens,
            Windows warmupOf, Windows windowOf) throws Exception {
        double ramp = BenchArgs.doubleArg(args, "warmup-seconds", 1.5);
        double seconds = BenchArgs.doubleArg(args, "seconds", 12);
        int rounds = BenchArgs.intArg(args, "rounds", 3);
        double jitWarmup = BenchArgs.doubleArg(args, "jit-warmup-seconds", 0);
        int warmupStreams = BenchArgs.intArg(args, "jit-warmup-concurrency", 64);
        if (jitWarmup > 0) {
            // every JVM, the client's included, compiles the streaming path under load first; printed, not counted
            for (LoadWindow.Target t : targets) {
                System.err.printf("%s: JIT warm-up (%s), %d streams for %.0f s%n", t.name(), mode, warmupStreams,
                        jitWarmup);
                LoadWindow w = warmupOf.run(t, warmupStreams, 0, jitWarmup);
                String warmup = "throughput".equals(mode) ? "warmup" : mode + "-warmup";
                System.out.println("RESULT " + LoadWindow.merge(warmup, t, warmupStreams, maxTokens, List.of(w))
                        .encode());
            }
        }
        for (String level : BenchArgs.required(args, "concurrency").split(",")) {
            int concurrency = Integer.parseInt(level.trim());
            Map<LoadWindow.Target, List<LoadWindow>> windows = rounds(targets, rounds,
                    "%s, %d concurrent, %.1f s ramp + %.1f s measured".formatted(mode, concurrency, ramp,
                            seconds / rounds),
                    t -> windowOf.run(t, concurrency, ramp, seconds / rounds));
            for (LoadWindow.Target t : targets) {
                System.out.println("RESULT " + LoadWindow.merge(mode, t, concurrency, maxTokens, windows.get(t)).encode());
            }
        }
    }

    /** Measures one window of one target. */
    private interface WindowRun {
        LoadWindow run(LoadWindow.Target target) throws Exception;
    }

    /** One concurrency level: every target gets one window per round, in reversed order every other round. */
    private static Map<LoadWindow.Target, List<LoadWindow>> rounds(List<LoadWindow.Target> targets, int rounds,
            String what, WindowRun run) throws Exception {
        Map<LoadWindow.Target, List<LoadWindow>> windows = new LinkedHashMap<>();
        targets.forEach(t -> windows.put(t, new ArrayList<>()));
        for (int round = 0; round < rounds; round++) {
            List<LoadWindow.Target> order = new ArrayList<>(targets);
            if (round % 2 == 1) {
                Collections.reverse(order);
            }
            for (LoadWindow.Target t : order) {
                System.err.printf("%s: %s, round %d/%d%n", t.name(), what, round + 1, rounds);
                windows.get(t).add(run.run(t));
            }
        }
        return windows;
    }

    /**
     * MERA-shaped requests at each concurrency level, the targets taking turns as in {@link #throughput}. Streams end
     * at their answer's budget or at a new line, so any content count is complete.
     */
    private static void mera(Vertx vertx, Map<String, String> args, int loops) throws Exception {
        int requests = BenchArgs.intArg(args, "requests", 96);
        describe(vertx, targets(args).get(0), MeraRequests.bodies(requests, false, 16));
        levels(vertx, args, loops, "mera", MeraRequests.bodies(requests, true, 16), -1);
    }

    /** Sends each request once, unstreamed, and reports the prompt lengths and answers the server counted. */
    private static void describe(Vertx vertx, LoadWindow.Target target, List<Buffer> bodies) throws Exception {
        HttpClient client = vertx.createHttpClient(StreamLoadVerticle.clientOptions(target.port()));
        List<Integer> promptTokens = new ArrayList<>();
        List<Integer> completionTokens = new ArrayList<>();
        try {
            for (Buffer body : bodies) {
                JsonObject answer = client.request(new RequestOptions().setMethod(HttpMethod.POST)
                                .setURI(StreamLoadVerticle.PATH).putHeader("Content-Type", "application/json"))
                        .compose(req -> req.send(body))
                        .compose(resp -> resp.body().compose(b -> resp.statusCode() == 200
                                ? Future.succeededFuture(b.toJsonObject())
                                : Future.failedFuture("HTTP " + resp.statusCode() + ": " + b)))
                        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
                JsonObject usage = answer.getJsonObject("usage", new JsonObject());
                promptTokens.add(usage.getInteger("prompt_tokens", 0));
                completionTokens.add(usage.getInteger("completion_tokens", 0));
            }
        } finally {
            client.close();
        }
        Collections.sort(promptTokens);
        Collections.sort(completionTokens);
        JsonObject out = new JsonObject()
                .put("mode", "mera-requests")
                .put("target", target.name())
                .put("requests", bodies.size())
                .put("tasks", new JsonArray(MeraRequests.taskNames()))
                .put("prompt_tokens_min", promptTokens.get(0))
                .put("prompt_tokens_median", promptTokens.get(promptTokens.size() / 2))
                .put("prompt_tokens_max", promptTokens.get(promptTokens.size() - 1))
                .put("prompt_tokens_mean", promptTokens.stream().mapToInt(Integer::intValue).average().orElse(0))
                .put("completion_tokens_min", completionTokens.get(0))
                .put("completion_tokens_max", completionTokens.get(completionTokens.size() - 1));
        System.out.println("RESULT " + out.encode());
    }

    /** Holds N slow streams open and measures the server's memory idle and with all of them streaming. */
    private static void hold(Vertx vertx, Map<String, String> args, int loops) throws Exception {
        int port = BenchArgs.intArg(args, "port", 8080);
        long pid = Long.parseLong(BenchArgs.required(args, "pid"));
        int streams = BenchArgs.intArg(args, "streams", 512);
        int maxTokens = BenchArgs.intArg(args, "max-tokens", 3000);
        int openParallel = BenchArgs.intArg(args, "open-parallel", 256);
        double firstTimeout = BenchArgs.doubleArg(args, "first-content-timeout-seconds", 120);

        // warm the streaming path so its one-off class loading and caches are in the idle figure, not per stream
        warmSlowStreams(vertx, port);
        ProcessMemory idle = ProcessMemory.afterFullGc(pid);
        System.err.printf("idle: heap %.1f MiB, RSS %.1f MiB; opening %d streams%n", idle.heapUsedBytes() / 1048576.0,
                idle.rssBytes() / 1048576.0, streams);

        AtomicInteger first = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        StringBuffer firstError = new StringBuffer();
        Buffer body = requestBody(maxTokens);
        List<String> deployments = new ArrayList<>();
        long openStart = System.nanoTime();
        for (int i = 0; i < Math.min(loops, streams); i++) {
            int share = streams / loops + (i < streams % loops ? 1 : 0);
            int parallel = Math.max(1, openParallel / loops);
            deployments.add(await(vertx.deployVerticle(
                    new HoldVerticle(port, body, share, parallel, first, failed, firstError), new DeploymentOptions()),
                    30));
        }
        long deadline = openStart + (long) (firstTimeout * 1e9);
        while (first.get() + failed.get() < streams && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        double openSeconds = (System.nanoTime() - openStart) / 1e9;
        int held = first.get();
        int failedAtMeasure = failed.get();
        System.err.printf("%d of %d streams streaming after %.1f s (%d failed); measuring%n", held, streams,
                openSeconds, failedAtMeasure);
        ProcessMemory loaded = ProcessMemory.afterFullGc(pid);
        // streams must still be alive after the measurement, or the figure describes fewer streams than claimed
        int failedAfterMeasure = failed.get();

        for (String id : deployments) {
            await(vertx.undeploy(id), 60);
        }
        // the server notices the closed connections asynchronously; give it a moment before the leak check
        Thread.sleep(3000);
        ProcessMemory after = ProcessMemory.afterFullGc(pid);

        long heapDelta = loaded.heapUsedBytes() - idle.heapUsedBytes();
        long rssDelta = loaded.rssBytes() - idle.rssBytes();
        JsonObject result = new JsonObject()
                .put("mode", "hold")
                .put("target", args.getOrDefault("target", "evalgate"))
                .put("streams", streams)
                .put("streams_held", held)
                .put("streams_failed", failedAfterMeasure)
                .put("open_seconds", openSeconds)
                .put("idle_heap_bytes", idle.heapUsedBytes())
                .put("idle_rss_bytes", idle.rssBytes())
                .put("loaded_heap_bytes", loaded.heapUsedBytes())
                .put("loaded_heap_committed_bytes", loaded.heapCommittedBytes())
                .put("loaded_rss_bytes", loaded.rssBytes())
                .put("after_close_heap_bytes", after.heapUsedBytes())
                .put("heap_per_stream_bytes", (double) heapDelta / streams)
                .put("rss_per_stream_bytes", (double) rssDelta / streams);
        if (firstError.length() > 0) {
            result.put("first_error", firstError.toString());
        }
        System.out.println("RESULT " + result.encode());
    }

    /** A few short slow streams run to completion before the idle measurement. */
    private static void warmSlowStreams(Vertx vertx, int port) throws Exception {
        LoadWindow.Target t = new LoadWindow.Target("warm-up", port, 0, false);
        LoadWindow w = LoadWindow.run(vertx, t, requestBody(2), 2, 32, 1, 0, 1, 30);
        if (w.errors() + w.incomplete() > 0) {
            throw new IllegalStateException("warm-up streams failed: " + w.firstError());
        }
    }

    private static <T> T await(Future<T> f, int seconds) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    }
}
