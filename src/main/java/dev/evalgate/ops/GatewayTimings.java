package dev.evalgate.ops;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The time evalgate itself adds to a completion, in two parts, as Prometheus histograms on {@code /q/metrics}:
 * {@code evalgate_request_to_engine_seconds}, from the whole request read to the engine asked to generate (validation,
 * chat template, tokenization, the hops to a worker thread and back), and {@code evalgate_token_to_socket_seconds},
 * from the engine handing over a token to its bytes written to the client's socket (decoding, stop matching, chunk
 * serialisation, the hop to the event loop; one record per socket write). Buckets from 1 µs to 10 s.
 */
public final class GatewayTimings {

    private final Timer requestToEngine;
    private final Timer tokenToSocket;

    public GatewayTimings(MeterRegistry registry) {
        this.requestToEngine = timer(registry, "evalgate.request.to.engine",
                "From the whole request read to the engine asked to generate");
        this.tokenToSocket = timer(registry, "evalgate.token.to.socket",
                "From the engine handing over a token to its bytes written to the socket");
    }

    private static Timer timer(MeterRegistry registry, String name, String description) {
        return Timer.builder(name).description(description).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(1_000)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    public void requestToEngine(long nanos) {
        requestToEngine.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void tokenToSocket(long nanos) {
        tokenToSocket.record(nanos, TimeUnit.NANOSECONDS);
    }
}
