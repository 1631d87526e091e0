package dev.evalgate.scoring.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.evalgate.scoring.mera.CodeRunner;

/**
 * Runs MERA code-task completions as MERA's harness does, each in a sandbox of its own: a root holding only the
 * Python runtime, a private /dev, no network, a seccomp filter, an unprivileged uid, rlimits and a per-run cgroup
 * (docs/sandbox.md).
 */
public final class PythonCodeSandbox implements CodeRunner {

    /** Far above login, system and systemd's dynamic/container uid ranges (which end at 1879048191), below 2^31. */
    public static final int DEFAULT_FIRST_UID = 2_000_000_000;

    /** What the harness records for a generation whose process it had to kill, or that died without a result. */
    public static final String TIMED_OUT = "timed out";

    /**
     * What an operator sets ({@code evalgate.sandbox.*}).
     *
     * @param memoryBytes        memory one sandbox may hold: its cgroup's limit (all its processes and its /tmp, no
     *                           swap), and each of its processes' address space (RLIMIT_AS)
     * @param cgroup             the cgroup under which each run gets its own, as {@code /proc/self/cgroup} names it;
     *                           empty: the gateway's own
     * @param allowWithoutCgroup run code samples even where no per-run cgroup can be made, bounded by rlimits alone;
     *                           otherwise they are not run, and the reason is given
     */
    public record Settings(long memoryBytes, Optional<String> cgroup, boolean allowWithoutCgroup) {
        public static final Settings DEFAULTS = new Settings(512L << 20, Optional.empty(), false);
        // Python with numpy maps about 50 MiB before the program has allocated anything.
        private static final long MIN_MEMORY_BYTES = 128L << 20;

        public Settings {
            if (memoryBytes < MIN_MEMORY_BYTES) {
                throw new IllegalArgumentException("evalgate.sandbox.memory-limit must be at least 128M, got "
                        + memoryBytes + " bytes");
            }
        }
    }

    private static final Logger LOG = Logger.getLogger(PythonCodeSandbox.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESOURCES = "/evalgate/sandbox/";

    // check_correctness(): p.join(timeout=timeout + 1) with timeout=3.0, counted here from the runner's "ready" so
    // interpreter start-up (which the harness's forked child does not pay) is not charged to the program.
    private static final long HARNESS_KILL_MILLIS = 4_000;
    private static final long STARTUP_MILLIS = 15_000;
    private static final long REAP_MILLIS = 5_000;

    private static final long CPU_SECONDS_SOFT = 5;
    private static final long CPU_SECONDS_HARD = 6;
    private static final long FILE_SIZE_BYTES = 4L << 20;
    // Processes and threads of one sandbox, the launcher's included (its cgroup's pids.max and the uid's RLIMIT_NPROC).
    private static final int MAX_PROCESSES = 16;
    private static final int MAX_OPEN_FILES = 64;
    private static final long TMP_BYTES = 16L << 20;
    private static final int TMP_INODES = 1024;
    // The kernel's OOM killer takes these before anything else of the host or container (the JVM above all).
    private static final int OOM_SCORE_ADJ = 1000;
    private static final List<String> DEVICES = List.of("null", "zero", "full", "random", "urandom");
    private static final String SANDBOX_RUNNER = "/run/evalgate/run_completion.py";
    // The launcher, runner and probe are unpacked into java.io.tmpdir, into a directory named with the JVM's pid.
    private static final String RUNTIME_PREFIX = "evalgate-code-sandbox-";

    // The runner bounds its own line to about 12 MB (1M chars, JSON-escaped); anything beyond is the program misbehaving.
    private static final int STDOUT_CAP = 16 << 20;
    private static final int STDERR_CAP = 64 << 10;
    private static final int EX_DATAERR = 65;
    private static final int EX_LAUNCHER = 125;

    private final Path python;
    private final Settings settings;
    private final List<String> launchPrefix;
    private final Path launcher;
    private final Path runner;
    private final Path probeScript;
    private final Path rootMountPoint;
    // A semaphore whose permits have names: each running sandbox owns one uid, so RLIMIT_NPROC (counted per uid
    // across the host) lets one fork bomb exhaust only its own slot.
    private final BlockingQueue<Integer> freeUids;
    private Prepared prepared;

    /** The sandbox with the default {@link Settings}, as the offline {@code score} command uses it. */
    public PythonCodeSandbox() {
        this(Settings.DEFAULTS);
    }

    /** {@code /usr/bin/python3}, one sandbox per available processor, uids from {@link #DEFAULT_FIRST_UID}. */
    public PythonCodeSandbox(Settings settings) {
        this(Path.of("/usr/bin/python3"), Runtime.getRuntime().availableProcessors(), DEFAULT_FIRST_UID, settings,
                List.of());
    }

    /** As {@link #PythonCodeSandbox(Path, int, int, Settings, List)} with the default settings. */
    public PythonCodeSandbox(Path python, int maxConcurrent, int firstUid) {
        this(python, maxConcurrent, firstUid, Settings.DEFAULTS, List.of());
    }

    /**
     * @param python        the system interpreter (not one under a user's home); numpy, if it imports it, becomes the
     *                      harness's {@code np}
     * @param maxConcurrent sandboxes running at once; callers beyond that wait in {@link #run}
     * @param firstUid      first of {@code maxConcurrent} consecutive uids (and gids) reserved for the sandboxes: no
     *                      file or other process may use them
     * @param launchPrefix  a command the launcher is started under (the tests' stand-ins for a container's /dev or a
     *                      gateway with fewer privileges); empty in production
     * @throws IllegalStateException when this build has no launcher for this machine
     */
    PythonCodeSandbox(Path python, int maxConcurrent, int firstUid, Settings settings, List<String> launchPrefix) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("maxConcurrent must be at least 1, got " + maxConcurrent);
        }
        if (firstUid < 1 || (long) firstUid + maxConcurrent > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("uids " + firstUid + ".." + ((long) firstUid + maxConcurrent - 1)
                    + " are not valid unprivileged uids");
        }
        this.python = python;
        this.settings = settings;
        this.launchPrefix = List.copyOf(launchPrefix);
        this.freeUids = new ArrayBlockingQueue<>(maxConcurrent, true);
        for (int i = 0; i < maxConcurrent; i++) {
            freeUids.add(firstUid + i);
        }
        try {
            // Readable by every uid: the launcher may run as the gateway's own unprivileged user. Nothing in it is
            // secret, and nothing in it is writable by others.
            removeLeftovers();
            Path dir = Files.createTempDirectory(RUNTIME_PREFIX + ProcessHandle.current().pid() + "-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            dir.toFile().deleteOnExit();
            String arch = System.getProperty("os.arch");
            this.launcher = extract(dir, "linux-" + arch + "/evalgate-sandbox", "rwxr-xr-x",
                    "this build has no code sandbox launcher for " + System.getProperty("os.name") + " on " + arch
                            + " (it is built for Linux on the build machine's architecture)");
            this.runner = extract(dir, "run_completion.py", "rw-r--r--", null);
            this.probeScript = extract(dir, "probe_runtime.py", "rw-r--r--", null);
            this.rootMountPoint = Files.createDirectory(dir.resolve("root"));
            rootMountPoint.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException("could not unpack the code sandbox", e);
        }
    }

    /** Unpacked runtimes of gateways that are gone: a killed JVM deletes nothing on exit. */
    private static void removeLeftovers() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, RUNTIME_PREFIX + "*")) {
            for (Path dir : dirs) {
                String[] parts = dir.getFileName().toString().substring(RUNTIME_PREFIX.length()).split("-", 2);
                if (parts.length == 2 && parts[0].matches("\\d{1,10}")
                        && ProcessHandle.of(Long.parseLong(parts[0])).isEmpty()) {
                    try (Stream<Path> files = Files.walk(dir)) {
                        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debugf("could not remove old code sandbox runtimes: %s", e);
        }
    }

    private static Path extract(Path dir, String resource, String permissions, String missing) throws IOException {
        try (InputStream in = PythonCodeSandbox.class.getResourceAsStream(RESOURCES + resource)) {
            if (in == null) {
                throw new IllegalStateException(missing != null ? missing : "missing classpath resource " + resource);
            }
            Path file = dir.resolve(Path.of(resource).getFileName());
            Files.write(file, in.readAllBytes());
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
            file.toFile().deleteOnExit();
            return file;
        }
    }

    /** What the first run learns about this host and keeps: the root's allow-list and where cgroups go, or why not. */
    private record Prepared(SandboxRoot root, SandboxCgroups cgroups, String refusal) {
    }

    /**
     * Blocks the calling thread (never call it on an event loop) for up to about 4 s of program time plus start-up,
     * and longer while all sandboxes are busy.
     *
     * @throws IllegalArgumentException when {@code tests} is not a Python literal list
     * @throws IllegalStateException    when this host cannot give the sandbox what it needs (nothing was executed)
     * @throws CancellationException    when the calling thread is interrupted (the sandbox is killed)
     */
    @Override
    public JsonNode run(String function, String completion, String entryPoint, String tests) {
        Prepared sandbox = prepared();
        int uid;
        try {
            uid = freeUids.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for a free code sandbox");
        }
        SandboxCgroups.Run cgroup = null;
        try {
            if (sandbox.cgroups() != null) {
                cgroup = sandbox.cgroups().create(settings.memoryBytes(), MAX_PROCESSES);
            }
            byte[] task = JSON.writeValueAsBytes(Map.of("program", function + completion, "entry_point", entryPoint,
                    "tests", tests));
            return execute(sandbox, uid, cgroup, task);
        } catch (IOException e) {
            throw new UncheckedIOException("could not set up a code sandbox", e);
        } finally {
            if (cgroup != null) {
                long oomKills = cgroup.oomKills();
                cgroup.close();
                if (oomKills > 0) {
                    LOG.debugf("a code sample ran out of its %d MiB: the OOM killer took %d of its processes",
                            settings.memoryBytes() >> 20, oomKills);
                }
            }
            freeUids.add(uid);
        }
    }

    private synchronized Prepared prepared() {
        if (prepared == null) {
            prepared = prepare();
        }
        if (prepared.refusal() != null) {
            throw new IllegalStateException(prepared.refusal());
        }
        return prepared;
    }

    private Prepared prepare() {
        SandboxRoot root;
        try {
            root = SandboxRoot.probe(python, probeScript);
        } catch (IOException | RuntimeException e) {
            String refusal = "the Python code sandbox cannot use " + python + ": " + e.getMessage()
                    + "; no model-generated code is run";
            LOG.warn(refusal);
            return new Prepared(null, null, refusal);
        }
        SandboxCgroups.Detection cgroups = SandboxCgroups.detect(settings.cgroup());
        String limits = "memory " + (settings.memoryBytes() >> 20) + " MiB, " + MAX_PROCESSES + " processes, "
                + CPU_SECONDS_SOFT + " s CPU, /tmp " + (TMP_BYTES >> 20) + " MiB";
        String shape = "a root of " + root.binds().size() + " host paths (" + python + ", its library and shared"
                + " objects), a private /dev, no network, a seccomp filter, " + privileges();
        if (cgroups.cgroups() != null) {
            LOG.infof("code sandbox: %s; %s per run in its own cgroup (%s)", shape, limits,
                    cgroups.cgroups().description());
            return new Prepared(root, cgroups.cgroups(), null);
        }
        if (!settings.allowWithoutCgroup()) {
            String refusal = "code samples are not run: no per-run cgroup can bound a sandbox's memory and processes ("
                    + cgroups.unavailable() + "). Give the gateway a cgroup it may create children in (docs/sandbox.md),"
                    + " or set evalgate.sandbox.allow-without-cgroup=true to run them bounded by rlimits alone";
            LOG.warn(refusal);
            return new Prepared(null, null, refusal);
        }
        LOG.warnf("code sandbox WITHOUT a per-run cgroup (%s), as evalgate.sandbox.allow-without-cgroup allows: %s;"
                + " memory is bounded per process (RLIMIT_AS %d MiB; the program may start threads but no processes),"
                + " the kernel's memory and tasks are not accounted to the sample, and the OOM killer takes sandbox"
                + " processes first (oom_score_adj %d)", cgroups.unavailable(), shape, settings.memoryBytes() >> 20,
                OOM_SCORE_ADJ);
        return new Prepared(root, null, null);
    }

    private static String privileges() {
        if (!launcherCapabilities()) {
            return "as the gateway's uid in a user namespace, without capabilities";
        }
        return "as an unprivileged uid of its own, without capabilities";
    }

    /** Whether this process has CAP_SYS_ADMIN, CAP_SETUID and CAP_SETGID, which the launcher inherits. */
    private static boolean launcherCapabilities() {
        try (Stream<String> status = Files.lines(Path.of("/proc/self/status"))) {
            long caps = status.filter(l -> l.startsWith("CapEff:")).map(l -> Long.parseUnsignedLong(l.substring(7).trim(), 16))
                    .findFirst().orElse(0L);
            long needed = (1L << 21) | (1L << 7) | (1L << 6);
            return (caps & needed) == needed;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private JsonNode execute(Prepared sandbox, int uid, SandboxCgroups.Run cgroup, byte[] task) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command(sandbox, uid, cgroup)).directory(new File("/"));
        Map<String, String> env = builder.environment();
        env.clear();
        env.put("PATH", "/usr/bin:/bin");
        env.put("LANG", "C.UTF-8");
        env.put("HOME", "/tmp");
        // numpy's BLAS would otherwise start one thread per core, each counted against the process limits.
        env.put("OMP_NUM_THREADS", "1");
        env.put("OPENBLAS_NUM_THREADS", "1");
        env.put("MKL_NUM_THREADS", "1");

        Process process = builder.start();
        ProtocolReader protocol = new ProtocolReader(process.getInputStream());
        CappedReader stderr = new CappedReader(process.getErrorStream());
        start(protocol, "code-sandbox-stdout");
        start(stderr, "code-sandbox-stderr");
        try {
            try (OutputStream in = process.getOutputStream()) {
                in.write(task);
            } catch (IOException e) {
                // the sandbox is gone before reading its task: its stderr says why
            }
            Boolean ready = await(protocol.ready, STARTUP_MILLIS, null);
            if (ready == null || !ready) {
                throw startupFailure(process, stderr, ready == null);
            }
            String line = await(protocol.result, HARNESS_KILL_MILLIS, null);
            if (line == null) {
                // The runner exits 0 when the harness's child gave no result, and dies by a signal when the OOM
                // killer takes it: both the program's doing, "timed out". Any other status is the sandbox failing.
                if (process.waitFor(protocol.result.isDone() ? REAP_MILLIS : 0, TimeUnit.MILLISECONDS)
                        && process.exitValue() != 0 && process.exitValue() < 128) {
                    throw new IllegalStateException("the Python code sandbox failed while running a sample (exit "
                            + process.exitValue() + "): " + stderrText(stderr));
                }
                return TextNode.valueOf(TIMED_OUT);
            }
            return parseResults(line, stderr);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while running a code sandbox");
        } finally {
            killTree(process);
        }
    }

    private List<String> command(Prepared sandbox, int uid, SandboxCgroups.Run cgroup) {
        List<String> cmd = new ArrayList<>(launchPrefix);
        cmd.add(launcher.toString());
        cmd.addAll(List.of("--root", rootMountPoint.toString()));
        cmd.addAll(sandbox.root().launcherArgs());
        cmd.addAll(List.of("--ro-at", runner.toString(), SANDBOX_RUNNER));
        DEVICES.forEach(d -> cmd.addAll(List.of("--dev", d)));
        cmd.addAll(List.of("--tmp-size", Long.toString(TMP_BYTES), "--tmp-inodes", Integer.toString(TMP_INODES),
                "--uid", Integer.toString(uid),
                "--rlimit", "cpu=" + CPU_SECONDS_SOFT + ":" + CPU_SECONDS_HARD,
                "--rlimit", "as=" + settings.memoryBytes(),
                "--rlimit", "nproc=" + MAX_PROCESSES,
                "--rlimit", "fsize=" + FILE_SIZE_BYTES,
                "--rlimit", "nofile=" + MAX_OPEN_FILES,
                "--rlimit", "core=0",
                "--oom-score-adj", Integer.toString(OOM_SCORE_ADJ)));
        if (cgroup != null) {
            cmd.addAll(cgroup.launcherArgs());
        } else {
            cmd.add("--child-filter");
        }
        // -I: no PYTHON* variables, no user site, no script or working directory on sys.path. Not -S: the system
        // site-packages is where numpy, the harness's np, lives.
        cmd.addAll(List.of("--", python.toString(), "-I", SANDBOX_RUNNER));
        if (cgroup == null) {
            cmd.add("--forbid-new-processes");
        }
        return cmd;
    }

    private static JsonNode parseResults(String line, CappedReader stderr) {
        try {
            JsonNode results = JSON.readTree(line).path("results");
            if (results.isArray()) {
                ArrayNode out = JsonNodeFactory.instance.arrayNode(results.size());
                boolean wellFormed = true;
                for (JsonNode r : results) {
                    wellFormed &= r.isTextual() || r.isNull();
                    out.add(r.isTextual() ? TextNode.valueOf(r.textValue()) : JsonNodeFactory.instance.nullNode());
                }
                if (wellFormed) {
                    return out;
                }
            }
        } catch (JsonProcessingException e) {
            // falls through: the runner writes only what it validated, so this is the sandbox misbehaving
        }
        LOG.warnf("code sandbox returned no readable result (%d chars), recording \"%s\"; stderr: %s",
                line.length(), TIMED_OUT, stderr.text());
        return TextNode.valueOf(TIMED_OUT);
    }

    private RuntimeException startupFailure(Process process, CappedReader stderr, boolean slow) {
        Integer exit = null;
        try {
            if (slow) {
                killTree(process);
            }
            if (process.waitFor(REAP_MILLIS, TimeUnit.MILLISECONDS)) {
                exit = process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String detail = stderrText(stderr);
        if (exit != null && exit == EX_DATAERR) {
            return new IllegalArgumentException(detail);
        }
        String what = slow ? "not ready after " + STARTUP_MILLIS + " ms" : "exit " + exit;
        if (exit != null && exit == EX_LAUNCHER) {
            return new IllegalStateException("the Python code sandbox could not be built (" + what + "): " + detail
                    + " — it needs Linux namespaces, seccomp, and either CAP_SYS_ADMIN, CAP_SETUID and CAP_SETGID or"
                    + " unprivileged user namespaces (docs/sandbox.md); no model-generated code was run");
        }
        return new IllegalStateException("the Python code sandbox did not start (" + what + "): " + detail
                + " — " + python + " must run inside its root (docs/sandbox.md); no model-generated code was run");
    }

    private static String stderrText(CappedReader stderr) {
        try {
            stderr.finished.get(REAP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // report what was captured so far
        }
        return stderr.text().strip();
    }

    /**
     * Kills every process of the sandbox: the runner (PID 1 of its namespace, whose death takes all the others with
     * it) and its descendants by pid. The launcher is left to reap the runner and exit by itself, so no zombie is
     * orphaned to a container init that might never reap it; it is killed only if it does not.
     */
    private static void killTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        try {
            if (!process.waitFor(REAP_MILLIS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(REAP_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static <T> T await(CompletableFuture<T> future, long millis, T onTimeout) throws InterruptedException {
        try {
            return future.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return onTimeout;
        } catch (ExecutionException e) {
            throw new IllegalStateException("reading from the code sandbox failed", e.getCause());
        }
    }

    private static void start(Runnable reader, String name) {
        Thread thread = new Thread(reader, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** The runner's protocol: a "ready" line, then one result line; drains everything after, keeps at most a cap. */
    private static final class ProtocolReader implements Runnable {
        final CompletableFuture<Boolean> ready = new CompletableFuture<>();
        final CompletableFuture<String> result = new CompletableFuture<>();
        private final InputStream in;

        ProtocolReader(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            long total = 0;
            byte[] buf = new byte[64 << 10];
            try (in) {
                int n;
                while ((n = in.read(buf)) != -1) {
                    for (int i = 0; i < n && !result.isDone(); i++) {
                        if (++total > STDOUT_CAP) {
                            break;
                        }
                        if (buf[i] != '\n') {
                            line.write(buf[i]);
                        } else if (!ready.isDone()) {
                            ready.complete(line.toString(StandardCharsets.US_ASCII).equals("ready"));
                            line.reset();
                        } else {
                            result.complete(line.toString(StandardCharsets.UTF_8));
                            line = null;
                        }
                    }
                }
            } catch (IOException e) {
                // the process was killed under us: whatever was not complete stays absent
            } finally {
                ready.complete(false);
                result.complete(null);
            }
        }
    }

    /** Keeps the first bytes of a stream for error messages and discards the rest, so the writer never blocks. */
    private static final class CappedReader implements Runnable {
        final CompletableFuture<Void> finished = new CompletableFuture<>();
        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        CappedReader(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buf = new byte[8 << 10];
            try (in) {
                int n;
                while ((n = in.read(buf)) != -1) {
                    synchronized (kept) {
                        kept.write(buf, 0, Math.min(n, Math.max(0, STDERR_CAP - kept.size())));
                    }
                }
            } catch (IOException e) {
                // killed under us
            } finally {
                finished.complete(null);
            }
        }

        String text() {
            synchronized (kept) {
                return kept.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
