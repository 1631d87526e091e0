package dev.evalgate.jmh;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

/** Prints a JMH JSON result file as ns/op and as ratios to the baselines measured in the same run (not a benchmark). */
// Absolute numbers move with the machine and its load; a ratio to a baseline from the same run is what can be
// compared across machines and commits.
public final class RatioTable {

    private record Row(String method, double mean, double error, double best, double bytes) {
    }

    /** Whether {@link WorkerCpuTimeProfiler} ran; without it the ratios fall back to wall-clock time. */
    private static boolean cpuTimes = true;

    private RatioTable() {
    }

    public static void main(String[] args) throws IOException {
        JsonNode results = new ObjectMapper().readTree(new File(args[0]));
        Map<String, String> typeOfGroup = new LinkedHashMap<>();
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        for (JsonNode r : results) {
            String benchmark = r.path("benchmark").asText();
            int dot = benchmark.lastIndexOf('.');
            String type = benchmark.substring(benchmark.lastIndexOf('.', dot - 1) + 1, dot);
            StringBuilder group = new StringBuilder(type);
            for (Iterator<Map.Entry<String, JsonNode>> it = r.path("params").fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> p = it.next();
                group.append(' ').append(p.getKey()).append('=').append(p.getValue().asText());
            }
            JsonNode primary = r.path("primaryMetric");
            typeOfGroup.put(group.toString(), type);
            groups.computeIfAbsent(group.toString(), k -> new ArrayList<>()).add(new Row(benchmark.substring(dot + 1),
                    primary.path("score").asDouble(), primary.path("scoreError").asDouble(Double.NaN),
                    best(r), secondary(r, "gc.alloc.rate.norm").path("score").asDouble(Double.NaN)));
        }
        System.out.printf("%-34s %20s %9s %7s %10s %7s%n", "", "wall ns/op ± 99.9%", cpuTimes ? "cpu ns/op" : "best",
                "B/op", "×baseline", "×floor");
        groups.forEach((group, rows) -> {
            // A baseline that takes no @Param sits in the unparameterised group of the same class.
            List<Row> references = new ArrayList<>(rows);
            references.addAll(groups.getOrDefault(typeOfGroup.get(group), List.of()));
            Row baseline = find(references, "baseline");
            Row floor = find(references, "floor");
            System.out.println(group);
            rows.sort((a, b) -> Integer.compare(rank(a), rank(b)));
            for (Row row : rows) {
                System.out.printf("  %-32s %9.1f ± %8.1f %9.1f %7s %10s %7s%n", row.method(), row.mean(), row.error(),
                        row.best(), Double.isNaN(row.bytes()) ? "-" : String.format("%.0f", row.bytes()),
                        ratio(row, baseline), ratio(row, floor));
            }
        });
        System.out.println("ns/op is per token (per sample for SampleScoring); wall: JMH's mean over the iterations. "
                + (cpuTimes ? "cpu: the worker thread's CPU time per op in its best iteration" : "best: the fastest iteration")
                + ", which the ratios divide: load from other processes only ever adds time, so the fastest iteration is"
                + " the least disturbed.");
    }

    private static int rank(Row row) {
        return row.method().startsWith("baseline") ? 1 : row.method().startsWith("floor") ? 2 : 0;
    }

    private static Row find(List<Row> rows, String prefix) {
        return rows.stream().filter(r -> r.method().startsWith(prefix)).findFirst().orElse(null);
    }

    private static String ratio(Row row, Row reference) {
        return reference == null || !(reference.best() > 0) ? "" : String.format("%.2f", row.best() / reference.best());
    }

    private static double best(JsonNode result) {
        JsonNode cpu = secondary(result, WorkerCpuTimeProfiler.METRIC);
        cpuTimes &= !cpu.isMissingNode();
        JsonNode rawData = (cpu.isMissingNode() ? result.path("primaryMetric") : cpu).path("rawData");
        double best = Double.NaN;
        for (JsonNode fork : rawData) {
            for (JsonNode iteration : fork) {
                double value = iteration.asDouble();
                best = Double.isNaN(best) ? value : Math.min(best, value);
            }
        }
        return best;
    }

    // JMH 1.37 names secondary metrics without the "·" prefix older versions put before them.
    private static JsonNode secondary(JsonNode result, String name) {
        for (Iterator<Map.Entry<String, JsonNode>> it = result.path("secondaryMetrics").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> m = it.next();
            if (m.getKey().endsWith(name)) {
                return m.getValue();
            }
        }
        return MissingNode.getInstance();
    }
}
