package dev.evalgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Turns the {@code RESULT} lines of one bench/run into the printed table, the PASS/FAIL lines for the project's
 * targets, and {@code bench/results/latest.json}.
 *
 * <p>Usage: {@code BenchReport --results results.jsonl --out latest.json [--jvm-flags ... --git ...]}.
 */
public final class BenchReport {

    /** The project's targets; the benchmark only measures, these say what the numbers are held against. */
    static final double MIN_RATIO_AT_64 = 0.8;
    static final double MAX_ADDED_TTFT_P50_MS_AT_64 = 1.0;
    static final double MAX_ADDED_TTFT_P99_MS_AT_64 = 5.0;
    static final int HOLD_TARGET_STREAMS = 5000;
    static final double MAX_HEAP_BYTES_AT_5000 = 1024.0 * 1024 * 1024;
    /** The target name of the gateway measured with every request tagged, i.e. scored live. */
    static final String SCORED = "evalgate-scored";
    /** MERA-shaped targets (issue 16): request to engine at 1 stream, and requests/s at 64 against the reference. */
    static final double MAX_MERA_REQUEST_TO_ENGINE_P50_MS = 1.0;
    static final double MIN_MERA_SPEEDUP_AT_64 = 4.0;
    /**
     * The reference for the MERA-shaped requests/s at 64 connections: the gateway before issue 16 (the Rust tokenizer
     * through DJL) measured ~360 requests/s on this 2-core machine with a MERA-style ruMMLU request (issue 16). Override
     * with {@code --mera-reference-rps} (bench/run: {@code BENCH_MERA_REFERENCE_RPS}) after measuring the old revision.
     */
    static final double MERA_REFERENCE_RPS_AT_64 = 360;
    /** The embedded llama.cpp engine through the gateway against the binding driven directly (issue 16). */
    static final double MIN_LLAMACPP_RATIO = 0.95;

    private BenchReport() {
    }

    public static void main(String[] argv) throws IOException {
        Map<String, String> args = BenchArgs.parse(argv, 0);
        List<JsonObject> lines = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(BenchArgs.required(args, "results")))) {
            if (line.startsWith("RESULT ")) {
                lines.add(new JsonObject(line.substring("RESULT ".length())));
            }
        }
        JsonObject report = build(lines, args);
        Path out = Path.of(BenchArgs.required(args, "out"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report.encodePrettily() + "\n");
        System.out.print(render(report));
    }

    static JsonObject build(List<JsonObject> lines, Map<String, String> args) {
        Map<Integer, JsonObject> evalgate = new TreeMap<>();
        Map<Integer, JsonObject> baseline = new TreeMap<>();
        Map<Integer, JsonObject> scored = new TreeMap<>();
        JsonArray memory = new JsonArray();
        JsonObject captures = new JsonObject();
        JsonArray warmups = new JsonArray();
        Map<Integer, JsonObject> meraEvalgate = new TreeMap<>();
        Map<Integer, JsonObject> meraBaseline = new TreeMap<>();
        JsonObject meraRequests = null;
        Map<Integer, JsonObject> llamaGateway = new TreeMap<>();
        Map<Integer, JsonObject> llamaDirect = new TreeMap<>();
        for (JsonObject r : lines) {
            switch (r.getString("mode")) {
                case "llamacpp" -> (LlamaCppDirect.NAME.equals(r.getString("target")) ? llamaDirect : llamaGateway)
                        .put(r.getInteger("concurrency"), r);
                case "mera" -> ("baseline".equals(r.getString("target")) ? meraBaseline : meraEvalgate)
                        .put(r.getInteger("concurrency"), r);
                case "mera-requests" -> meraRequests = r;
                case "throughput" -> (switch (r.getString("target")) {
                    case "baseline" -> baseline;
                    case SCORED -> scored;
                    default -> evalgate;
                }).put(r.getInteger("concurrency"), r);
                case "hold" -> memory.add(memoryRow(r));
                case "capture" -> captures.put(r.getString("target"), r);
                case "warmup", "mera-warmup", "llamacpp-warmup" -> warmups.add(r);
                default -> {
                }
            }
        }
        JsonArray throughput = new JsonArray();
        for (Integer c : union(evalgate, baseline)) {
            JsonObject e = evalgate.get(c);
            JsonObject b = baseline.get(c);
            JsonObject row = new JsonObject().put("concurrency", c).put("evalgate", e).put("baseline", b);
            if (e != null && b != null) {
                double bt = b.getDouble("tokens_per_second");
                row.put("ratio", bt == 0 ? null : e.getDouble("tokens_per_second") / bt);
                row.put("ratio_by_round", roundRatios(e, b));
                row.put("added_ttft_p50_ms_by_round", roundDifferences(e, b, "ttft_p50_ms_by_round"));
                row.put("added_ttft_p50_ms", diff(e, b, "ttft_p50_ms"));
                row.put("added_ttft_p99_ms", diff(e, b, "ttft_p99_ms"));
            }
            JsonObject sc = scored.get(c);
            if (sc != null && e != null) {
                // the same gateway with every request tagged and scored live, against untagged requests
                row.put(SCORED, sc);
                double et = e.getDouble("tokens_per_second");
                row.put("scoring_ratio", et == 0 ? null : sc.getDouble("tokens_per_second") / et);
                row.put("scoring_ttft_p50_ms", diff(sc, e, "ttft_p50_ms"));
                row.put("scoring_ttft_p99_ms", diff(sc, e, "ttft_p99_ms"));
                row.put("scoring_ttft_p50_ms_by_round", roundDifferences(sc, e, "ttft_p50_ms_by_round"));
            }
            throughput.add(row);
        }
        JsonArray mera = pairs(meraEvalgate, meraBaseline, "baseline", "requests_per_second");
        JsonArray llamacpp = pairs(llamaGateway, llamaDirect, "direct", "tokens_per_second");
        JsonObject report = new JsonObject()
                .put("llamacpp", llamacpp)
                .put("date", Instant.now().toString())
                .put("machine", machine())
                .put("config", config(args))
                .put("mera_requests", meraRequests)
                .put("mera", mera)
                .put("stream_captures", captures)
                .put("throughput", throughput)
                .put("memory", memory)
                .put("warmup", warmups);
        report.put("targets", targets(report));
        report.put("problems", problems(report));
        return report;
    }

    /**
     * Rows by concurrency of the gateway against a reference ({@code other}): both points, the ratio of their
     * {@code rate}, and the TTFT the gateway adds (p50, p99).
     */
    private static JsonArray pairs(Map<Integer, JsonObject> evalgate, Map<Integer, JsonObject> reference, String other,
            String rate) {
        JsonArray rows = new JsonArray();
        for (Integer c : union(evalgate, reference)) {
            JsonObject e = evalgate.get(c);
            JsonObject r = reference.get(c);
            JsonObject row = new JsonObject().put("concurrency", c).put("evalgate", e).put(other, r);
            if (e != null && r != null) {
                double rr = r.getDouble(rate);
                row.put("ratio", rr == 0 ? null : e.getDouble(rate) / rr);
                row.put("added_ttft_p50_ms", diff(e, r, "ttft_p50_ms"));
                row.put("added_ttft_p99_ms", diff(e, r, "ttft_p99_ms"));
            }
            rows.add(row);
        }
        return rows;
    }

    private static List<Integer> union(Map<Integer, JsonObject> a, Map<Integer, JsonObject> b) {
        TreeMap<Integer, Boolean> all = new TreeMap<>();
        a.keySet().forEach(k -> all.put(k, true));
        b.keySet().forEach(k -> all.put(k, true));
        return new ArrayList<>(all.keySet());
    }

    /** Round i of the gateway against round i of the baseline: their spread shows how noisy the machine was. */
    private static JsonArray roundRatios(JsonObject e, JsonObject b) {
        JsonArray er = e.getJsonArray("tokens_per_second_by_round", new JsonArray());
        JsonArray br = b.getJsonArray("tokens_per_second_by_round", new JsonArray());
        JsonArray out = new JsonArray();
        for (int i = 0; i < Math.min(er.size(), br.size()); i++) {
            double bt = br.getLong(i);
            out.add(bt == 0 ? null : Math.round(er.getLong(i) / bt * 1000) / 1000.0);
        }
        return out;
    }

    private static JsonArray roundDifferences(JsonObject e, JsonObject b, String key) {
        JsonArray er = e.getJsonArray(key, new JsonArray());
        JsonArray br = b.getJsonArray(key, new JsonArray());
        JsonArray out = new JsonArray();
        for (int i = 0; i < Math.min(er.size(), br.size()); i++) {
            Double x = er.getDouble(i);
            Double y = br.getDouble(i);
            out.add(x == null || y == null ? null : Math.round((x - y) * 1000) / 1000.0);
        }
        return out;
    }

    private static Double diff(JsonObject e, JsonObject b, String key) {
        Double x = e.getDouble(key);
        Double y = b.getDouble(key);
        return x == null || y == null || x.isNaN() || y.isNaN() ? null : x - y;
    }

    private static JsonObject memoryRow(JsonObject r) {
        return new JsonObject()
                .put("streams", r.getInteger("streams"))
                .put("streams_held", r.getInteger("streams_held"))
                .put("streams_failed", r.getInteger("streams_failed"))
                .put("heap_per_stream_kib", r.getDouble("heap_per_stream_bytes") / 1024)
                .put("rss_per_stream_kib", r.getDouble("rss_per_stream_bytes") / 1024)
                .put("loaded_heap_mib", r.getLong("loaded_heap_bytes") / 1048576.0)
                .put("idle_heap_mib", r.getLong("idle_heap_bytes") / 1048576.0)
                .put("loaded_rss_mib", r.getLong("loaded_rss_bytes") / 1048576.0)
                .put("idle_rss_mib", r.getLong("idle_rss_bytes") / 1048576.0)
                .put("after_close_heap_mib", r.getLong("after_close_heap_bytes") / 1048576.0)
                .put("open_seconds", r.getDouble("open_seconds"))
                .put("raw", r);
    }

    private static JsonObject machine() {
        JsonObject m = new JsonObject()
                .put("cores", Runtime.getRuntime().availableProcessors())
                .put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"))
                .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    m.put("cpu", line.substring(line.indexOf(':') + 1).trim());
                    break;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kib = Long.parseLong(line.replaceAll("\\D", ""));
                    m.put("memory_gib", Math.round(kib / 1048576.0 * 10) / 10.0);
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // machine details are nice to have; a report without them is still a report
        }
        return m;
    }

    private static JsonObject config(Map<String, String> args) {
        JsonObject c = new JsonObject();
        args.forEach((k, v) -> {
            if (!k.equals("results") && !k.equals("out")) {
                c.put(k, v);
            }
        });
        // the patch file is usually somewhere temporary: keep what it changed with the figures it produced
        String patch = args.get("gateway-patch");
        if (patch != null && !patch.equals("none")) {
            try {
                c.put("gateway-patch-diff", Files.readString(Path.of(patch)));
            } catch (IOException e) {
                c.put("gateway-patch-diff", "unreadable: " + e.getMessage());
            }
        }
        return c;
    }

    private static JsonArray targets(JsonObject report) {
        JsonArray out = new JsonArray();
        JsonArray mera = report.getJsonArray("mera", new JsonArray());
        JsonObject mera1 = row(mera, 1);
        if (mera1 != null && mera1.getJsonObject("evalgate") != null
                && mera1.getJsonObject("evalgate").containsKey("gateway_request_to_engine")) {
            JsonObject r2e = mera1.getJsonObject("evalgate").getJsonObject("gateway_request_to_engine");
            Double p50 = r2e.getDouble("p50_ms");
            if (p50 != null) {
                out.add(target("MERA-shaped: request -> engine p50 at 1 stream <= 1 ms", fmt(p50, 3)
                        + " ms (histogram bucket bound; mean " + fmt(r2e.getDouble("mean_ms"), 3) + " ms)",
                        p50 <= MAX_MERA_REQUEST_TO_ENGINE_P50_MS, clean(mera1.getJsonObject("evalgate"))));
            }
        }
        JsonObject mera64 = row(mera, 64);
        if (mera64 != null && mera64.getJsonObject("evalgate") != null) {
            double reference = Double.parseDouble(report.getJsonObject("config")
                    .getString("mera-reference-rps", String.valueOf(MERA_REFERENCE_RPS_AT_64)));
            double rps = mera64.getJsonObject("evalgate").getDouble("requests_per_second");
            out.add(target("MERA-shaped: requests/s at 64 connections >= 4 x before issue 16 (reference "
                    + fmt(reference, 0) + " req/s, so >= " + fmt(MIN_MERA_SPEEDUP_AT_64 * reference, 0) + ")",
                    fmt(rps, 0) + " req/s = " + fmt(rps / reference, 2) + " x the reference; "
                            + fmt(mera64.getDouble("ratio"), 3) + " x the bare server",
                    rps >= MIN_MERA_SPEEDUP_AT_64 * reference, clean(mera64.getJsonObject("evalgate"))));
        }
        JsonObject at64 = row(report.getJsonArray("throughput"), 64);
        if (at64 != null && at64.getValue("ratio") != null) {
            boolean clean = clean(at64.getJsonObject("evalgate")) && clean(at64.getJsonObject("baseline"));
            double ratio = at64.getDouble("ratio");
            boolean met = ratio >= MIN_RATIO_AT_64;
            out.add(target("tokens/s at 64 streams >= 0.8 x baseline (256-token shape, system prompt "
                    + report.getJsonObject("config").getString("system-prompt-mode", "default") + ")", fmt(ratio, 3) + " x"
                    + agreement(at64.getJsonArray("ratio_by_round"), met, x -> x >= MIN_RATIO_AT_64), met, clean));
            Double p50 = at64.getDouble("added_ttft_p50_ms");
            Double p99 = at64.getDouble("added_ttft_p99_ms");
            if (p50 != null) {
                boolean fast = p50 < MAX_ADDED_TTFT_P50_MS_AT_64;
                out.add(target("gateway-added TTFT p50 at 64 streams < 1 ms", fmt(p50, 3) + " ms"
                        + agreement(at64.getJsonArray("added_ttft_p50_ms_by_round"), fast,
                                x -> x < MAX_ADDED_TTFT_P50_MS_AT_64), fast, clean));
            }
            if (p99 != null) {
                out.add(target("gateway-added TTFT p99 at 64 streams < 5 ms", fmt(p99, 3) + " ms",
                        p99 < MAX_ADDED_TTFT_P99_MS_AT_64, clean));
            }
            JsonObject sc = at64.getJsonObject(SCORED);
            Double scoringP50 = at64.getDouble("scoring_ttft_p50_ms");
            if (sc != null && scoringP50 != null) {
                // "no measurable latency": scoring's effect is inside the round-to-round noise of the untagged side
                double noise = range(at64.getJsonObject("evalgate").getJsonArray("ttft_p50_ms_by_round"));
                double effect = median(at64.getJsonArray("scoring_ttft_p50_ms_by_round"));
                boolean none = effect <= Math.max(noise, 0.05);
                out.add(target("online scoring adds no measurable latency at 64 streams", "TTFT p50 "
                        + signed(effect) + " ms per round (median) against a round-to-round spread of "
                        + fmt(noise, 3) + " ms untagged; tok/s " + fmt(at64.getDouble("scoring_ratio"), 3) + " x",
                        none, clean && clean(sc)));
            }
        }
        for (Object o : report.getJsonArray("llamacpp", new JsonArray())) {
            JsonObject r = (JsonObject) o;
            Double ratio = r.getDouble("ratio");
            if (ratio != null) {
                out.add(target("llama.cpp through the gateway >= 0.95 x the binding driven directly, tok/s at "
                        + r.getInteger("concurrency") + " streams", fmt(ratio, 3) + " x; TTFT p50 "
                        + (r.getDouble("added_ttft_p50_ms") == null ? "-" : signed(r.getDouble("added_ttft_p50_ms")))
                        + " ms", ratio >= MIN_LLAMACPP_RATIO,
                        clean(r.getJsonObject("evalgate"))));
            }
        }
        for (Object o : report.getJsonArray("memory")) {
            JsonObject m = (JsonObject) o;
            if (m.getInteger("streams") == HOLD_TARGET_STREAMS) {
                boolean allHeld = m.getInteger("streams_held") == HOLD_TARGET_STREAMS && m.getInteger("streams_failed") == 0;
                double heap = m.getJsonObject("raw").getLong("loaded_heap_bytes");
                out.add(target("5000 concurrent streams held with < 1 GiB heap",
                        m.getInteger("streams_held") + " held, " + fmt(heap / 1048576.0, 1) + " MiB heap",
                        heap < MAX_HEAP_BYTES_AT_5000, allHeld));
            }
        }
        return out;
    }

    /** How many rounds, taken alone, give the same verdict: on a noisy machine a verdict few rounds share is luck. */
    private static String agreement(JsonArray byRound, boolean verdict, java.util.function.DoublePredicate passes) {
        if (byRound == null || byRound.size() < 2) {
            return "";
        }
        int agree = 0, n = 0;
        for (Object o : byRound) {
            if (o instanceof Number x) {
                n++;
                if (passes.test(x.doubleValue()) == verdict) {
                    agree++;
                }
            }
        }
        return n == 0 ? "" : " (" + agree + " of " + n + " rounds alone agree)";
    }

    private static JsonObject target(String name, String value, boolean met, boolean clean) {
        return new JsonObject().put("target", name).put("value", value).put("pass", met && clean)
                .put("measurement_clean", clean);
    }

    /** A measurement with errors or unfinished streams does not count as a pass, whatever its numbers. */
    private static boolean clean(JsonObject point) {
        return point != null && point.getLong("errors") == 0 && point.getLong("streams_incomplete") == 0;
    }

    private static JsonObject row(JsonArray rows, int concurrency) {
        for (Object o : rows) {
            JsonObject r = (JsonObject) o;
            if (r.getInteger("concurrency") == concurrency) {
                return r;
            }
        }
        return null;
    }

    private static JsonArray problems(JsonObject report) {
        JsonArray out = new JsonArray();
        for (Object o : report.getJsonArray("throughput")) {
            JsonObject row = (JsonObject) o;
            for (String side : List.of("evalgate", "baseline", SCORED)) {
                JsonObject p = row.getJsonObject(side);
                if (p == null) {
                    if (!side.equals(SCORED)) {
                        out.add(side + " at " + row.getInteger("concurrency") + " streams: not measured");
                    }
                    continue;
                }
                String where = side + " at " + p.getInteger("concurrency") + " streams: ";
                if (p.getLong("errors") > 0) {
                    out.add(where + p.getLong("errors") + " failed requests (first: " + p.getString("first_error") + ")");
                }
                if (p.getLong("streams_incomplete") > 0) {
                    out.add(where + p.getLong("streams_incomplete") + " streams without [DONE] (first: "
                            + p.getString("first_error") + ")");
                }
                if (p.getLong("streams_miscounted") > 0) {
                    out.add(where + p.getLong("streams_miscounted") + " complete streams with a content-event count"
                            + " other than max_tokens");
                }
                Double other = p.getDouble("other_cpu_cores");
                if (other != null && other > 0.25) {
                    out.add(where + "other processes used " + fmt(other, 2)
                            + " cores during the window; the figures are skewed");
                }
            }
        }
        for (Object o : report.getJsonArray("memory")) {
            JsonObject m = (JsonObject) o;
            if (m.getInteger("streams_held") < m.getInteger("streams") || m.getInteger("streams_failed") > 0) {
                out.add("memory at " + m.getInteger("streams") + " streams: " + m.getInteger("streams_held")
                        + " streaming at the measurement, " + m.getInteger("streams_failed") + " failed (first: "
                        + m.getJsonObject("raw").getString("first_error") + ")");
            }
        }
        JsonObject caps = report.getJsonObject("stream_captures");
        if (caps.containsKey("evalgate") && caps.containsKey("baseline")) {
            long eb = caps.getJsonObject("evalgate").getLong("stream_bytes");
            long bb = caps.getJsonObject("baseline").getLong("stream_bytes");
            if (eb != bb) {
                out.add("the baseline's stream is " + bb + " bytes, the gateway's " + eb + ": not the same stream");
            }
        }
        return out;
    }

    static String render(JsonObject report) {
        StringBuilder sb = new StringBuilder();
        JsonObject machine = report.getJsonObject("machine");
        JsonObject config = report.getJsonObject("config");
        sb.append(String.format(Locale.ROOT, "%nevalgate streaming benchmark  %s  %s cores  %s  %s%n",
                report.getString("date"), machine.getValue("cores"), machine.getString("jvm"),
                config.getString("jvm-flags", "")));
        sb.append(String.format(Locale.ROOT, "gateway %s%s%n", config.getString("git", "?"),
                "none".equals(config.getString("gateway-patch", "none")) ? ""
                        : " with " + config.getString("gateway-patch") + " applied"));
        JsonArray mera = report.getJsonArray("mera", new JsonArray());
        if (!mera.isEmpty()) {
            renderMera(sb, report, mera);
        }
        if (!report.getJsonArray("throughput").isEmpty()) {
            renderStreaming(sb, report, config);
        }
        JsonArray memory = report.getJsonArray("memory");
        if (!memory.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%nmemory per open stream: gateway, synthetic engine at %s token/s per"
                    + " stream, heap after full GC%n%n", config.getString("hold-rate", "?")));
            sb.append(String.format(Locale.ROOT, "%7s | %6s | %15s | %14s | %15s | %14s | %s%n", "streams", "held",
                    "heap/stream KiB", "RSS/stream KiB", "total heap MiB", "idle heap MiB", "heap after close MiB"));
            for (Object o : memory) {
                JsonObject m = (JsonObject) o;
                sb.append(String.format(Locale.ROOT, "%7d | %6d | %15s | %14s | %15s | %14s | %s%n",
                        m.getInteger("streams"), m.getInteger("streams_held"), fmt(m.getDouble("heap_per_stream_kib"), 2),
                        fmt(m.getDouble("rss_per_stream_kib"), 2), fmt(m.getDouble("loaded_heap_mib"), 1),
                        fmt(m.getDouble("idle_heap_mib"), 1), fmt(m.getDouble("after_close_heap_mib"), 1)));
            }
        }
        JsonArray llamacpp = report.getJsonArray("llamacpp", new JsonArray());
        if (!llamacpp.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%nllama.cpp (the gateway's default tiny model): through the gateway against"
                    + " the binding driven directly in a loop, same model, parameters and prompt ids%n"));
            sb.append(String.format(Locale.ROOT, "%7s | %14s | %14s | %6s | %21s%n", "streams", "gateway tok/s",
                    "direct tok/s", "ratio", "TTFT p50 ms gw/direct"));
            for (Object o : llamacpp) {
                JsonObject r = (JsonObject) o;
                JsonObject e = r.getJsonObject("evalgate");
                JsonObject d = r.getJsonObject("direct");
                sb.append(String.format(Locale.ROOT, "%7d | %14s | %14s | %6s | %21s%n", r.getInteger("concurrency"),
                        e == null ? "-" : fmt(e.getDouble("tokens_per_second"), 0),
                        d == null ? "-" : fmt(d.getDouble("tokens_per_second"), 0), fmt(r.getDouble("ratio"), 3),
                        pair(e, d, "ttft_p50_ms")));
            }
        }
        sb.append(String.format(Locale.ROOT, "%ntargets:%n"));
        for (Object o : report.getJsonArray("targets")) {
            JsonObject t = (JsonObject) o;
            sb.append(String.format(Locale.ROOT, "%s  %s: %s%s%n", t.getBoolean("pass") ? "PASS" : "FAIL",
                    t.getString("target"), t.getString("value"),
                    t.getBoolean("measurement_clean") ? "" : " (measurement had errors or incomplete streams)"));
        }
        JsonArray problems = report.getJsonArray("problems");
        if (!problems.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%nproblems:%n"));
            problems.forEach(p -> sb.append("  - ").append(p).append('\n'));
        }
        return sb.toString();
    }

    /** The 256-token streaming points: tokens/s and TTFT against the bare server, the gateway's clock, scoring, CPU. */
    private static void renderStreaming(StringBuilder sb, JsonObject report, JsonObject config) {
        sb.append(String.format(Locale.ROOT, "streaming: synthetic engine as fast as possible, %s tokens per stream, %s s"
                + " measured per point in %s rounds alternating gateway and baseline%n", config.getString("max-tokens", "?"),
                config.getString("seconds", "?"), config.getString("rounds", "?")));
        sb.append(String.format(Locale.ROOT, "added = evalgate TTFT - baseline TTFT; negative when the baseline, which"
                + " writes each stream whole, made new requests wait longer%n%n"));
        sb.append(String.format(Locale.ROOT, "%7s | %14s | %14s | %6s | %19s | %19s | %10s | %10s | %s%n",
                "streams", "evalgate tok/s", "baseline tok/s", "ratio", "TTFT p50 ms eg/base", "TTFT p99 ms eg/base",
                "added p50", "added p99", "errors eg/base"));
        for (Object o : report.getJsonArray("throughput")) {
            JsonObject r = (JsonObject) o;
            JsonObject e = r.getJsonObject("evalgate");
            JsonObject b = r.getJsonObject("baseline");
            sb.append(String.format(Locale.ROOT, "%7d | %14s | %14s | %6s | %19s | %19s | %10s | %10s | %s%n",
                    r.getInteger("concurrency"),
                    e == null ? "-" : fmt(e.getDouble("tokens_per_second"), 0),
                    b == null ? "-" : fmt(b.getDouble("tokens_per_second"), 0),
                    fmt(r.getDouble("ratio"), 3),
                    pair(e, b, "ttft_p50_ms"), pair(e, b, "ttft_p99_ms"),
                    fmt(r.getDouble("added_ttft_p50_ms"), 3), fmt(r.getDouble("added_ttft_p99_ms"), 3),
                    failures(e) + " / " + failures(b)));
        }
        sb.append(String.format(Locale.ROOT, "%nspread over the rounds (each gateway window against the baseline window"
                + " next to it): median [min, max]%n"));
        sb.append(String.format(Locale.ROOT, "%7s | %26s | %34s%n", "streams", "ratio", "added TTFT p50 ms"));
        for (Object o : report.getJsonArray("throughput")) {
            JsonObject r = (JsonObject) o;
            sb.append(String.format(Locale.ROOT, "%7d | %26s | %34s%n", r.getInteger("concurrency"),
                    spread(r.getJsonArray("ratio_by_round"), 3), spread(r.getJsonArray("added_ttft_p50_ms_by_round"), 3)));
        }
        sb.append(String.format(Locale.ROOT, "%ntime evalgate adds, by its own clock (ms, p50 / p99 / mean; p's are"
                + " histogram bucket bounds):%n"));
        sb.append(String.format(Locale.ROOT, "%7s %-15s | %26s | %26s%n", "streams", "", "request in -> engine start",
                "engine token -> socket"));
        for (Object o : report.getJsonArray("throughput")) {
            JsonObject r = (JsonObject) o;
            for (String side : List.of("evalgate", SCORED)) {
                JsonObject p = r.getJsonObject(side);
                if (p != null && p.containsKey("gateway_request_to_engine")) {
                    sb.append(String.format(Locale.ROOT, "%7d %-15s | %26s | %26s%n", r.getInteger("concurrency"), side,
                            internal(p.getJsonObject("gateway_request_to_engine")),
                            internal(p.getJsonObject("gateway_token_to_socket"))));
                }
            }
        }
        if (report.getJsonArray("throughput").stream().anyMatch(o -> ((JsonObject) o).containsKey(SCORED))) {
            sb.append(String.format(Locale.ROOT, "%nonline scoring: every request tagged (PARus, scored live) against"
                    + " untagged, same gateway, alternating rounds%n"));
            sb.append(String.format(Locale.ROOT, "%7s | %13s | %19s | %24s | %34s%n", "streams", "tok/s scored",
                    "x untagged tok/s", "TTFT p50 ms +scoring", "per round: median [min, max]"));
            for (Object o : report.getJsonArray("throughput")) {
                JsonObject r = (JsonObject) o;
                JsonObject sc = r.getJsonObject(SCORED);
                if (sc != null) {
                    sb.append(String.format(Locale.ROOT, "%7d | %13s | %19s | %24s | %34s%n", r.getInteger("concurrency"),
                            fmt(sc.getDouble("tokens_per_second"), 0), fmt(r.getDouble("scoring_ratio"), 3),
                            fmt(r.getDouble("scoring_ttft_p50_ms"), 3),
                            spread(r.getJsonArray("scoring_ttft_p50_ms_by_round"), 3)));
                }
            }
        }
        sb.append(String.format(Locale.ROOT, "%ncpu during the measured windows (cores busy: server / client / other):%n"));
        for (Object o : report.getJsonArray("throughput")) {
            JsonObject r = (JsonObject) o;
            for (String side : List.of("evalgate", "baseline", SCORED)) {
                JsonObject p = r.getJsonObject(side);
                if (p != null) {
                    sb.append(String.format(Locale.ROOT, "%7d %-15s  %s / %s / %s   server %s us CPU per token%n",
                            r.getInteger("concurrency"), side, fmt(p.getDouble("server_cpu_cores"), 2),
                            fmt(p.getDouble("client_cpu_cores"), 2), fmt(p.getDouble("other_cpu_cores"), 2),
                            fmt(p.getDouble("server_cpu_us_per_token"), 2)));
                }
            }
        }
    }

    /** The MERA-shaped points: requests/s and time to first content against the bare server, and the gateway's split. */
    private static void renderMera(StringBuilder sb, JsonObject report, JsonArray mera) {
        JsonObject req = report.getJsonObject("mera_requests");
        sb.append(String.format(Locale.ROOT, "MERA-shaped requests (default system prompt on; %s; prompt tokens %s..%s,"
                + " median %s; answers %s..%s tokens, stop at a new line), streamed, back to back%n%n",
                req == null ? "?" : req.getJsonArray("tasks").stream().map(String::valueOf).collect(Collectors.joining(", ")),
                req == null ? "?" : req.getValue("prompt_tokens_min"), req == null ? "?" : req.getValue("prompt_tokens_max"),
                req == null ? "?" : req.getValue("prompt_tokens_median"),
                req == null ? "?" : req.getValue("completion_tokens_min"),
                req == null ? "?" : req.getValue("completion_tokens_max")));
        sb.append(String.format(Locale.ROOT, "%7s | %12s | %12s | %6s | %19s | %19s | %10s | %s%n", "streams",
                "evalgate r/s", "baseline r/s", "ratio", "TTFT p50 ms eg/base", "TTFT p99 ms eg/base", "added p50",
                "errors eg/base"));
        for (Object o : mera) {
            JsonObject r = (JsonObject) o;
            JsonObject e = r.getJsonObject("evalgate");
            JsonObject b = r.getJsonObject("baseline");
            sb.append(String.format(Locale.ROOT, "%7d | %12s | %12s | %6s | %19s | %19s | %10s | %s%n",
                    r.getInteger("concurrency"),
                    e == null ? "-" : fmt(e.getDouble("requests_per_second"), 0),
                    b == null ? "-" : fmt(b.getDouble("requests_per_second"), 0),
                    fmt(r.getDouble("ratio"), 3), pair(e, b, "ttft_p50_ms"), pair(e, b, "ttft_p99_ms"),
                    fmt(r.getDouble("added_ttft_p50_ms"), 3), failures(e) + " / " + failures(b)));
        }
        sb.append(String.format(Locale.ROOT, "%nthe gateway's split by its own clock (ms, p50 / p99 / mean; p's are bucket"
                + " bounds): template and tokenizer are parts of request -> engine; queue is admission's wait%n"));
        sb.append(String.format(Locale.ROOT, "%7s | %22s | %22s | %22s | %22s%n", "streams", "chat template",
                "tokenizer", "request -> engine", "queue"));
        for (Object o : mera) {
            JsonObject r = (JsonObject) o;
            JsonObject e = r.getJsonObject("evalgate");
            if (e != null && e.containsKey("gateway_request_to_engine")) {
                sb.append(String.format(Locale.ROOT, "%7d | %22s | %22s | %22s | %22s%n", r.getInteger("concurrency"),
                        internal(e.getJsonObject("gateway_prompt_template")),
                        internal(e.getJsonObject("gateway_prompt_tokenizer")),
                        internal(e.getJsonObject("gateway_request_to_engine")),
                        internal(e.getJsonObject("gateway_queue"))));
            }
        }
        sb.append(String.format(Locale.ROOT, "%nreference: before issue 16, ~360 req/s at 64 connections and 3.7-4.5 ms"
                + " request -> engine at 1 stream for a ruMMLU request of 871 prompt tokens (issue 16, wrk, same machine)"
                + "%n%n"));
    }

    private static String internal(JsonObject s) {
        if (s == null || s.getLong("count", 0L) == 0) {
            return "-";
        }
        return fmt(s.getDouble("p50_ms"), 3) + " / " + fmt(s.getDouble("p99_ms"), 3) + " / " + fmt(s.getDouble("mean_ms"), 3);
    }

    private static List<Double> numbers(JsonArray values) {
        List<Double> v = new ArrayList<>();
        if (values != null) {
            for (Object o : values) {
                if (o instanceof Number n) {
                    v.add(n.doubleValue());
                }
            }
        }
        v.sort(Double::compare);
        return v;
    }

    private static double median(JsonArray values) {
        List<Double> v = numbers(values);
        int n = v.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    private static double range(JsonArray values) {
        List<Double> v = numbers(values);
        return v.isEmpty() ? Double.NaN : v.get(v.size() - 1) - v.get(0);
    }

    private static String signed(double v) {
        return (v >= 0 ? "+" : "") + fmt(v, 3);
    }

    private static String spread(JsonArray values, int decimals) {
        List<Double> v = new ArrayList<>();
        if (values != null) {
            for (Object o : values) {
                if (o instanceof Number n) {
                    v.add(n.doubleValue());
                }
            }
        }
        if (v.isEmpty()) {
            return "-";
        }
        v.sort(Double::compare);
        int n = v.size();
        double median = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
        return fmt(median, decimals) + " [" + fmt(v.get(0), decimals) + ", " + fmt(v.get(n - 1), decimals) + "]";
    }

    private static String pair(JsonObject e, JsonObject b, String key) {
        return fmt(e == null ? null : e.getDouble(key), 3) + " / " + fmt(b == null ? null : b.getDouble(key), 3);
    }

    private static String failures(JsonObject p) {
        return p == null ? "-" : Long.toString(p.getLong("errors") + p.getLong("streams_incomplete"));
    }

    static String fmt(Double v, int decimals) {
        if (v == null || v.isNaN()) {
            return "-";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
