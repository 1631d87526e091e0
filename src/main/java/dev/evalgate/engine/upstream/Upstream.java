package dev.evalgate.engine.upstream;

import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One inference server of the pool: where it is, whether it may take requests, and what it has been doing. A failed
 * request ejects it at once (passive); the next health check that finds it answering takes it back (active).
 */
final class Upstream {

    final String url;
    final String host;
    final int port;
    final boolean ssl;
    /** The server root's path, without a trailing slash; endpoints are appended to it. */
    final String root;
    final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean healthy = true;
    private volatile String lastError;
    /** Exponentially weighted mean time to the first chunk, ms; 0 until one arrived. */
    private volatile double firstChunkMs;
    volatile String model;
    volatile int maxModelLen;

    Upstream(URI base) {
        this.url = base.toString();
        this.ssl = "https".equalsIgnoreCase(base.getScheme());
        this.host = base.getHost();
        this.port = base.getPort() > 0 ? base.getPort() : ssl ? 443 : 80;
        // users paste either the server root or its OpenAI base (".../v1"); the endpoints are the same
        String path = base.getPath() == null ? "" : base.getPath().replaceAll("/+$", "");
        this.root = path.endsWith("/v1") ? path.substring(0, path.length() - 3) : path;
    }

    boolean healthy() {
        return healthy;
    }

    /** A request started on it. */
    void started() {
        requests.incrementAndGet();
        inFlight.incrementAndGet();
    }

    void ended() {
        inFlight.decrementAndGet();
    }

    void firstChunk(double ms) {
        double mean = firstChunkMs;
        firstChunkMs = mean == 0 ? ms : mean * 0.9 + ms * 0.1;
    }

    /** A request or health check failed for the server's reason: no new requests until a health check passes. */
    void failed(String why) {
        failures.incrementAndGet();
        lastError = why;
        healthy = false;
    }

    /** It refused a request for load (429, 503): counted and said, but it stays in the pool. */
    void busy(String why) {
        failures.incrementAndGet();
        lastError = why;
    }

    void checked(boolean answering, String why) {
        healthy = answering;
        if (!answering) {
            lastError = why;
        }
    }

    Status status() {
        return new Status(url, healthy, inFlight.get(), requests.get(), failures.get(), lastError,
                Math.round(firstChunkMs * 100) / 100.0, model, maxModelLen == 0 ? null : maxModelLen);
    }

    /**
     * One member as {@code GET /v1/engine} shows it.
     *
     * @param failures requests and health checks that failed for the server's reason
     * @param meanFirstChunkMs time from sending a request to its first streamed chunk, weighted to recent requests
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Status(String url, boolean healthy, int inFlight, long requests, long failures, String lastError,
            double meanFirstChunkMs, String model, Integer maxModelLen) {
    }
}
