package dev.evalgate.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/** CPU time the benchmark's worker threads spent per operation ({@code -prof dev.evalgate.jmh.WorkerCpuTimeProfiler}). */
// Wall-clock ns/op on a machine shared with other builds and load tests mostly measures how long the thread waited
// for a core; the thread's own CPU clock does not advance while it waits, so ratios taken on it stay comparable.
public final class WorkerCpuTimeProfiler implements InternalProfiler {

    public static final String METRIC = "cpu.time.norm";

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private Map<Long, Long> before = Map.of();

    @Override
    public String getDescription() {
        return "CPU time of the JMH worker threads per operation";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        before = workerCpuTimes();
    }

    @Override
    public List<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        long spent = 0;
        for (Map.Entry<Long, Long> e : workerCpuTimes().entrySet()) {
            // A worker started during the iteration began at zero.
            spent += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        // allOps, as -prof gc normalises: the worker also runs (uncounted in measuredOps) while iterations sync.
        long ops = result.getMetadata().getAllOps();
        if (ops <= 0) {
            return List.of();
        }
        return List.of(new ScalarResult(METRIC, (double) spent / ops, "ns/op", AggregationPolicy.AVG));
    }

    private Map<Long, Long> workerCpuTimes() {
        Map<Long, Long> times = new HashMap<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().contains("jmh-worker")) {
                long cpu = threads.getThreadCpuTime(thread.getId());
                if (cpu >= 0) {
                    times.put(thread.getId(), cpu);
                }
            }
        }
        return times;
    }
}
