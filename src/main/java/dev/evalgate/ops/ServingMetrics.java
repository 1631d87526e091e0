package dev.evalgate.ops;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The serving series on {@code /q/metrics}, under the names vLLM users chart (with {@code evalgate_} in place of
 * {@code vllm:}): time to first token, inter-token latency, end-to-end latency, queue time, prompt and generated
 * tokens, requests running and waiting, successes by finish reason; plus admission refusals and the time evalgate
 * itself adds ({@code evalgate_request_to_engine_seconds}: request read to engine asked; {@code
 * evalgate_prompt_template_seconds} and {@code evalgate_prompt_tokenizer_seconds}: the chat template and the tokenizer,
 * inside that; {@code evalgate_token_to_socket_seconds}: engine token to bytes on the socket, one record per socket
 * write). Latency
 * histograms span 1 µs to 10 min. Thread-safe; the per-token methods cost a histogram update each.
 */
public final class ServingMetrics {

    private final MeterRegistry registry;
    private final String model;
    private final Timer requestToEngine;
    private final Timer tokenToSocket;
    private final Timer promptTemplate;
    private final Timer promptTokenizer;
    private final Timer firstToken;
    private final Timer interToken;
    private final Timer endToEnd;
    private final Timer queue;
    private final Counter promptTokens;
    private final Counter generationTokens;
    private final Map<String, Counter> successes = new ConcurrentHashMap<>();
    private final Map<Integer, Counter> refusals = new ConcurrentHashMap<>();

    public ServingMetrics(MeterRegistry registry, String model, Admission admission) {
        this.registry = registry;
        this.model = model;
        // the gateway's own series: no model label, names bench/run reads
        this.requestToEngine = ownTimer("evalgate.request.to.engine",
                "From the whole request read to the engine asked to generate");
        this.tokenToSocket = ownTimer("evalgate.token.to.socket",
                "From the engine handing over a token to its bytes written to the socket");
        this.promptTemplate = ownTimer("evalgate.prompt.template", "Rendering a request's chat template");
        this.promptTokenizer = ownTimer("evalgate.prompt.tokenizer", "Tokenizing a request's rendered prompt");
        this.firstToken = timer("evalgate.time.to.first.token", "From the request read to its first token",
                Duration.ofMinutes(10));
        this.interToken = timer("evalgate.inter.token.latency", "Between two tokens of a sequence",
                Duration.ofMinutes(1));
        this.endToEnd = timer("evalgate.e2e.request.latency", "From the request read to its sequence's end",
                Duration.ofMinutes(10));
        this.queue = timer("evalgate.request.queue.time", "Waiting for room in the engine (admission)",
                Duration.ofMinutes(10));
        this.promptTokens = Counter.builder("evalgate.prompt.tokens").description("Prompt tokens of admitted requests")
                .tag("model_name", model).register(registry);
        this.generationTokens = Counter.builder("evalgate.generation.tokens").description("Tokens generated")
                .tag("model_name", model).register(registry);
        Gauge.builder("evalgate.num.requests.running", admission, Admission::running)
                .description("Sequences in flight in the engine").tag("model_name", model).register(registry);
        Gauge.builder("evalgate.num.requests.waiting", admission, Admission::waiting)
                .description("Requests waiting for room (admission)").tag("model_name", model).register(registry);
    }

    private Timer timer(String name, String description, Duration max) {
        return histogram(Timer.builder(name).description(description).tag("model_name", model), max);
    }

    /** One of the gateway's own series: no model label, up to 10 s. */
    private Timer ownTimer(String name, String description) {
        return histogram(Timer.builder(name).description(description), Duration.ofSeconds(10));
    }

    private Timer histogram(Timer.Builder builder, Duration max) {
        return builder.publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(1_000))
                .maximumExpectedValue(max).register(registry);
    }

    public void requestToEngine(long nanos) {
        requestToEngine.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The two parts of preparing a prompt that grow with its length: chat template and tokenizer (0: not run). */
    public void promptStages(long templateNanos, long tokenizerNanos) {
        if (templateNanos > 0) {
            promptTemplate.record(templateNanos, TimeUnit.NANOSECONDS);
        }
        if (tokenizerNanos > 0) {
            promptTokenizer.record(tokenizerNanos, TimeUnit.NANOSECONDS);
        }
    }

    public void tokenToSocket(long nanos) {
        tokenToSocket.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A request was admitted after waiting this long (zero when there was room at once). */
    public void queued(Duration waited) {
        queue.record(waited);
    }

    /** A request was refused by admission: 429 (at capacity) or 503 (draining). */
    public void refused(int status) {
        refusals.computeIfAbsent(status, s -> Counter.builder("evalgate.admission.rejected")
                .description("Requests refused by admission").tag("model_name", model).tag("status", String.valueOf(s))
                .register(registry)).increment();
    }

    public void prompt(int tokens) {
        promptTokens.increment(tokens);
    }

    public void firstToken(long nanos) {
        firstToken.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void interToken(long nanos) {
        interToken.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A sequence ended: its tokens, why, and how long since the request arrived. */
    public void finished(String finishReason, int tokens, long nanosSinceRequest) {
        generationTokens.increment(tokens);
        endToEnd.record(nanosSinceRequest, TimeUnit.NANOSECONDS);
        successes.computeIfAbsent(finishReason, r -> Counter.builder("evalgate.request.success")
                .description("Sequences that ended, by finish reason").tag("model_name", model)
                .tag("finished_reason", r).register(registry)).increment();
    }
}
