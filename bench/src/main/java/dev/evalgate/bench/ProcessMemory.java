package dev.evalgate.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Heap in use after a full GC (via jcmd) and resident set size (via /proc) of another JVM process. */
record ProcessMemory(long heapUsedBytes, long heapCommittedBytes, long rssBytes) {

    private static final Pattern HEAP = Pattern.compile("total (\\d+)K, used (\\d+)K");
    private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");

    /** Runs two full GCs in {@code pid} (the second collects what the first only made unreachable) and measures. */
    static ProcessMemory afterFullGc(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher m = HEAP.matcher(info);
        if (!m.find()) {
            throw new IOException("no heap figures in jcmd GC.heap_info output:\n" + info);
        }
        long committed = Long.parseLong(m.group(1)) * 1024;
        long used = Long.parseLong(m.group(2)) * 1024;
        return new ProcessMemory(used, committed, rss(pid));
    }

    static long rss(long pid) throws IOException {
        String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
        Matcher m = RSS.matcher(status);
        if (!m.find()) {
            throw new IOException("no VmRSS in /proc/" + pid + "/status");
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Path sibling = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        String exe = Files.isExecutable(sibling) ? sibling.toString() : "jcmd";
        Process p = new ProcessBuilder(exe, Long.toString(pid), command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("jcmd " + pid + " " + command + " failed:\n" + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
