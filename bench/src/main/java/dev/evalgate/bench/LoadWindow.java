package dev.evalgate.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One measured window of back-to-back streams against one server at one concurrency, and the merge of several such
 * windows (rounds) into one point of the report.
 */
record LoadWindow(double seconds, long tokens, long requests, long started, long completed, long incomplete, long errors,
        long miscounted, boolean drained, LatencySamples ttft, long serverTicks, long serverJitTicks, long clientTicks,
        long machineTicks, String firstError, GatewayHistograms internal) {

    /**
     * A server under test: its name in the results, its port, its pid (0 if unknown: no CPU figures), and whether its
     * requests are tagged as benchmark documents (scored live by evalgate).
     */
    record Target(String name, int port, long pid, boolean tagged) {
    }

    /**
     * Runs {@code concurrency} streams for {@code ramp} seconds unmeasured, then {@code seconds} measured, then waits
     * at most {@code drain} seconds for the streams in flight to end (they are counted incomplete otherwise).
     */
    static LoadWindow run(Vertx vertx, Target target, Buffer body, int maxTokens, int concurrency, int loops,
            double ramp, double seconds, double drain) throws Exception {
        return run(vertx, target, List.of(body), maxTokens, concurrency, loops, ramp, seconds, drain);
    }

    /**
     * The same with several request bodies, sent in turn; {@code maxTokens} -1 when streams may end early (a stop
     * string), so that no content count is wrong.
     */
    static LoadWindow run(Vertx vertx, Target target, List<Buffer> bodies, int maxTokens, int concurrency, int loops,
            double ramp, double seconds, double drain) throws Exception {
        long windowStart = System.nanoTime() + (long) (ramp * 1e9);
        long windowEnd = windowStart + (long) (seconds * 1e9);
        List<StreamLoadVerticle> verticles = new ArrayList<>();
        List<String> deployments = new ArrayList<>();
        // the streams are spread over the client's event loops, one verticle (and connection pool) per loop
        for (int i = 0; i < Math.min(loops, concurrency); i++) {
            int share = concurrency / loops + (i < concurrency % loops ? 1 : 0);
            StreamLoadVerticle v = new StreamLoadVerticle(target.port(), bodies, share, windowStart, windowEnd,
                    maxTokens, target.tagged());
            verticles.add(v);
            deployments.add(await(vertx.deployVerticle(v, new DeploymentOptions()), 30));
        }
        sleepUntil(windowStart);
        CpuTimes cpuStart = CpuTimes.sample(target.pid());
        GatewayHistograms internalStart = GatewayHistograms.scrape(vertx, target.port());
        sleepUntil(windowEnd);
        CpuTimes cpuEnd = CpuTimes.sample(target.pid());
        GatewayHistograms internalEnd = GatewayHistograms.scrape(vertx, target.port());
        boolean drained = true;
        try {
            Future.all(verticles.stream().map(StreamLoadVerticle::finished).toList())
                    .toCompletionStage().toCompletableFuture().get((long) (drain * 1000), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            drained = false;
        }
        long tokens = 0, requests = 0, started = 0, completed = 0, incomplete = 0, errors = 0, miscounted = 0;
        String firstError = null;
        LatencySamples ttft = new LatencySamples();
        for (StreamLoadVerticle v : verticles) {
            StreamLoadVerticle.Snapshot s = await(v.snapshot(), 10);
            tokens += s.windowContent();
            requests += s.windowCompleted();
            started += s.started();
            completed += s.completed();
            // streams still open when the drain ran out count as incomplete
            incomplete += s.incomplete() + s.inFlight();
            errors += s.errors();
            miscounted += s.miscounted();
            ttft.addAll(s.ttft());
            if (firstError == null) {
                firstError = s.firstError();
            }
        }
        for (String id : deployments) {
            await(vertx.undeploy(id), 30);
        }
        return new LoadWindow(seconds, tokens, requests, started, completed, incomplete, errors, miscounted, drained, ttft,
                cpuEnd.serverTicks() - cpuStart.serverTicks(), cpuEnd.serverJitTicks() - cpuStart.serverJitTicks(),
                cpuEnd.clientTicks() - cpuStart.clientTicks(),
                cpuEnd.machineBusyTicks() - cpuStart.machineBusyTicks(), firstError,
                internalStart == null || internalEnd == null ? null : internalEnd.minus(internalStart));
    }

    /** The windows of one target at one concurrency as one result: counts added, TTFT samples pooled. */
    static JsonObject merge(String mode, Target target, int concurrency, int maxTokens, List<LoadWindow> rounds) {
        double seconds = 0;
        long tokens = 0, requests = 0, started = 0, completed = 0, incomplete = 0, errors = 0, miscounted = 0;
        long server = 0, jit = 0, client = 0, machine = 0;
        boolean drained = true;
        String firstError = null;
        LatencySamples ttft = new LatencySamples();
        GatewayHistograms internal = null;
        JsonArray perRound = new JsonArray();
        JsonArray requestsByRound = new JsonArray();
        JsonArray ttftByRound = new JsonArray();
        for (LoadWindow w : rounds) {
            seconds += w.seconds();
            tokens += w.tokens();
            requests += w.requests();
            started += w.started();
            completed += w.completed();
            incomplete += w.incomplete();
            errors += w.errors();
            miscounted += w.miscounted();
            server += w.serverTicks();
            jit += w.serverJitTicks();
            client += w.clientTicks();
            machine += w.machineTicks();
            drained &= w.drained();
            ttft.addAll(w.ttft());
            if (w.internal() != null) {
                internal = internal == null ? w.internal() : internal.plus(w.internal());
            }
            if (firstError == null) {
                firstError = w.firstError();
            }
            perRound.add(Math.round(w.tokens() / w.seconds()));
            requestsByRound.add(Math.round(w.requests() / w.seconds()));
            ttftByRound.add(orNull(w.ttft().percentileMillis(50)));
        }
        double serverCores = CpuTimes.cores(server, seconds);
        double clientCores = CpuTimes.cores(client, seconds);
        double machineCores = CpuTimes.cores(machine, seconds);
        JsonObject result = new JsonObject()
                .put("mode", mode)
                .put("target", target.name())
                .put("concurrency", concurrency)
                .put("max_tokens", maxTokens)
                .put("rounds", rounds.size())
                .put("seconds", seconds)
                .put("tokens", tokens)
                .put("tokens_per_second", tokens / seconds)
                .put("tokens_per_second_by_round", perRound)
                .put("requests_per_second", requests / seconds)
                .put("requests_per_second_by_round", requestsByRound)
                .put("streams_started", started)
                .put("streams_completed", completed)
                .put("streams_incomplete", incomplete)
                .put("streams_miscounted", miscounted)
                .put("errors", errors)
                .put("drained", drained)
                .put("ttft_samples", ttft.size())
                .put("ttft_p50_ms", orNull(ttft.percentileMillis(50)))
                .put("ttft_p99_ms", orNull(ttft.percentileMillis(99)))
                .put("ttft_p50_ms_by_round", ttftByRound)
                .put("server_cpu_cores", serverCores)
                // of which its JIT compilers: near 0 once the server runs what it is measured on compiled
                .put("server_jit_cpu_cores", CpuTimes.cores(jit, seconds))
                .put("client_cpu_cores", clientCores)
                .put("other_cpu_cores", Math.max(0, machineCores - serverCores - clientCores))
                .put("server_cpu_us_per_token",
                        tokens == 0 ? null : server / CpuTimes.TICKS_PER_SECOND * 1e6 / tokens);
        if (internal != null) {
            // the gateway's own clock: how long a request waits before the engine starts, and a token before its
            // bytes reach the socket (a window's requests and writes, whether or not their streams ended in it)
            result.put("gateway_request_to_engine", internal.summary(GatewayHistograms.METRICS[0]));
            result.put("gateway_token_to_socket", internal.summary(GatewayHistograms.METRICS[1]));
            // inside request to engine: the chat template, the tokenizer; then admission's queue
            result.put("gateway_prompt_template", internal.summary(GatewayHistograms.METRICS[2]));
            result.put("gateway_prompt_tokenizer", internal.summary(GatewayHistograms.METRICS[3]));
            result.put("gateway_queue", internal.summary(GatewayHistograms.METRICS[4]));
            // request read to the engine's first token: the client's time to first content less the HTTP ends
            result.put("gateway_first_token", internal.summary(GatewayHistograms.METRICS[5]));
        }
        if (firstError != null) {
            result.put("first_error", firstError);
        }
        return result;
    }

    /** JSON has no NaN: a percentile of no samples is null. */
    private static Double orNull(double v) {
        return Double.isNaN(v) ? null : v;
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private static <T> T await(Future<T> f, int seconds) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    }
}
