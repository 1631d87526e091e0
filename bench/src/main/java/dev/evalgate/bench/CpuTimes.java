package dev.evalgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time used so far by the machine, a server process and this process, from /proc. Sampled at both ends of a
 * measurement window, it shows where the machine's cores went: server, client, or something else on the machine
 * (another build or test run skews the figures, and this makes that visible).
 */
record CpuTimes(long machineBusyTicks, long machineTotalTicks, long serverTicks, long clientTicks,
        long serverJitTicks) {

    /** Linux reports process and machine CPU time in USER_HZ ticks, 100 per second on every mainstream kernel. */
    static final double TICKS_PER_SECOND = 100.0;

    /** @param serverPid 0 when unknown: the server column is then 0 */
    static CpuTimes sample(long serverPid) {
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < cpu.length; i++) {
                total += Long.parseLong(cpu[i]);
            }
            // idle and iowait are the columns 4 and 5 of the aggregate "cpu" line
            long idle = Long.parseLong(cpu[4]) + (cpu.length > 5 ? Long.parseLong(cpu[5]) : 0);
            long server = serverPid > 0 ? processTicks(serverPid) : 0;
            return new CpuTimes(total - idle, total, server, processTicks(ProcessHandle.current().pid()),
                    serverPid > 0 ? jitTicks(serverPid) : 0);
        } catch (IOException | RuntimeException e) {
            return new CpuTimes(0, 0, 0, 0, 0);
        }
    }

    /**
     * CPU time of the server's JIT compiler threads: a server still compiling its hot paths in a window takes CPU
     * from the work it is measured on (HotSpot names them {@code C1 CompilerThreadN} and {@code C2 CompilerThreadN}).
     */
    private static long jitTicks(long pid) throws IOException {
        long ticks = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm"));
                    if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                        ticks += ticks(Files.readString(task.resolve("stat")));
                    }
                } catch (IOException e) {
                    // the thread ended between the listing and the read
                }
            }
        }
        return ticks;
    }

    private static long processTicks(long pid) throws IOException {
        return ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    private static long ticks(String stat) {
        // fields after the command name, which is in parentheses and may itself hold spaces
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15 of the whole line)
    }

    /** Cores in use over the interval, e.g. 1.5 = one and a half cores busy on average. */
    static double cores(long ticks, double seconds) {
        return seconds <= 0 ? 0 : ticks / TICKS_PER_SECOND / seconds;
    }
}
