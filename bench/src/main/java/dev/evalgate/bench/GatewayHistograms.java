package dev.evalgate.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * The gateway's own timings of its streaming path, read from its Prometheus histograms on {@code /q/metrics}:
 * {@code evalgate_request_to_engine_seconds} and {@code evalgate_token_to_socket_seconds}, and the parts of the first:
 * {@code evalgate_prompt_template_seconds}, {@code evalgate_prompt_tokenizer_seconds}; and admission's queue
 * ({@code evalgate_request_queue_time_seconds}); and the time from the request read to the engine's first token
 * ({@code evalgate_time_to_first_token_seconds}). Two scrapes around a
 * window give that window's histogram; percentiles are the upper bound of the bucket they fall in (buckets are about
 * 20% apart).
 */
record GatewayHistograms(Map<String, TreeMap<Double, Double>> buckets, Map<String, Double> sums) {

    static final String[] METRICS = { "evalgate_request_to_engine_seconds", "evalgate_token_to_socket_seconds",
        "evalgate_prompt_template_seconds", "evalgate_prompt_tokenizer_seconds", "evalgate_request_queue_time_seconds",
        "evalgate_time_to_first_token_seconds" };
    // other labels (the queue's model_name) may stand around le; the bench serves one model, so one series per name
    private static final Pattern BUCKET = Pattern.compile(
            "^(evalgate_[a-z_]+_seconds)_bucket\\{(?:[^}]*,)?le=\"([^\"]+)\"[^}]*\\} (\\S+)");
    private static final Pattern SUM = Pattern.compile("^(evalgate_[a-z_]+_seconds)_sum(?:\\{[^}]*\\})? (\\S+)");

    static GatewayHistograms empty() {
        return new GatewayHistograms(new LinkedHashMap<>(), new LinkedHashMap<>());
    }

    /** Scrapes the server on {@code port}; null when it has no such metrics (the baseline). */
    static GatewayHistograms scrape(Vertx vertx, int port) throws Exception {
        HttpClient client = vertx.createHttpClient(StreamLoadVerticle.clientOptions(port));
        try {
            String text = client.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/q/metrics"))
                    .compose(req -> req.send())
                    .compose(resp -> resp.body().map(b -> resp.statusCode() == 200 ? b.toString() : ""))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            GatewayHistograms h = parse(text);
            return h.buckets().isEmpty() ? null : h;
        } finally {
            client.close();
        }
    }

    static GatewayHistograms parse(String text) {
        GatewayHistograms h = empty();
        for (String line : text.split("\n")) {
            Matcher b = BUCKET.matcher(line);
            if (b.find()) {
                double le = b.group(2).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(b.group(2));
                h.buckets().computeIfAbsent(b.group(1), k -> new TreeMap<>()).put(le, Double.parseDouble(b.group(3)));
                continue;
            }
            Matcher s = SUM.matcher(line);
            if (s.find()) {
                h.sums().put(s.group(1), Double.parseDouble(s.group(2)));
            }
        }
        return h;
    }

    /** This histogram minus an earlier scrape of the same server. */
    GatewayHistograms minus(GatewayHistograms earlier) {
        return combine(earlier, -1);
    }

    GatewayHistograms plus(GatewayHistograms other) {
        return combine(other, 1);
    }

    private GatewayHistograms combine(GatewayHistograms other, int sign) {
        GatewayHistograms out = empty();
        buckets.forEach((metric, counts) -> {
            TreeMap<Double, Double> o = other.buckets().getOrDefault(metric, new TreeMap<>());
            TreeMap<Double, Double> r = new TreeMap<>();
            counts.forEach((le, n) -> r.put(le, n + sign * o.getOrDefault(le, 0.0)));
            out.buckets().put(metric, r);
            out.sums().put(metric, sums.getOrDefault(metric, 0.0) + sign * other.sums().getOrDefault(metric, 0.0));
        });
        other.buckets().forEach((metric, counts) -> {
            if (!buckets.containsKey(metric)) {
                out.buckets().put(metric, counts);
                out.sums().put(metric, other.sums().getOrDefault(metric, 0.0));
            }
        });
        return out;
    }

    /** {@code count}, {@code mean_ms}, {@code p50_ms}, {@code p99_ms} of one metric (the p's: bucket upper bounds). */
    JsonObject summary(String metric) {
        TreeMap<Double, Double> cumulative = buckets.get(metric);
        double count = cumulative == null || cumulative.isEmpty() ? 0 : cumulative.lastEntry().getValue();
        JsonObject s = new JsonObject().put("count", (long) count);
        if (count > 0) {
            s.put("mean_ms", sums.getOrDefault(metric, 0.0) / count * 1e3)
                    .put("p50_ms", percentile(cumulative, count, 0.50) * 1e3)
                    .put("p99_ms", percentile(cumulative, count, 0.99) * 1e3);
        }
        return s;
    }

    private static double percentile(TreeMap<Double, Double> cumulative, double count, double q) {
        for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
            if (e.getValue() >= q * count) {
                return e.getKey();
            }
        }
        return Double.POSITIVE_INFINITY;
    }
}
