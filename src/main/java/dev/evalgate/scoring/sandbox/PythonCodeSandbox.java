package dev.evalgate.scoring.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

/** Runs MERA code-task completions as MERA's harness does, each in its own network-less, unprivileged, rlimited python3. */
public final class PythonCodeSandbox implements CodeRunner {

    /** Far above login, system and systemd's dynamic/container uid ranges (which end at 1879048191), below 2^31. */
    public static final int DEFAULT_FIRST_UID = 2_000_000_000;

    /** What the harness records for a generation whose process it had to kill, or that died without a result. */
    public static final String TIMED_OUT = "timed out";

    private static final Logger LOG = Logger.getLogger(PythonCodeSandbox.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RUNNER_RESOURCE = "/evalgate/sandbox/run_completion.py";

    // check_correctness(): p.join(timeout=timeout + 1) with timeout=3.0, counted here from the runner's "ready" so
    // interpreter start-up (which the harness's forked child does not pay) is not charged to the program.
    private static final long HARNESS_KILL_MILLIS = 4_000;
    private static final long STARTUP_MILLIS = 15_000;
    private static final long REAP_MILLIS = 5_000;

    private static final long CPU_SECONDS_SOFT = 5;
    private static final long CPU_SECONDS_HARD = 6;
    private static final long ADDRESS_SPACE_BYTES = 512L << 20;
    private static final long FILE_SIZE_BYTES = 4L << 20;
    private static final int MAX_PROCESSES = 16;
    private static final int MAX_OPEN_FILES = 64;
    // The sandbox's own /tmp, holding the runner, its task and the program's working directory.
    private static final String TMP_TMPFS = "size=16m,nr_inodes=1024,mode=1777,nosuid,nodev";
    private static final String SANDBOX_RUNNER = "/tmp/run_completion.py";
    private static final String SANDBOX_TASK = "/tmp/task.json";

    // The runner bounds its own line to about 12 MB (1M chars, JSON-escaped); anything beyond is the program misbehaving.
    private static final int STDOUT_CAP = 16 << 20;
    private static final int STDERR_CAP = 64 << 10;
    private static final int EX_DATAERR = 65;

    private static final String UNSHARE = "/usr/bin/unshare";
    private static final String SETPRIV = "/usr/bin/setpriv";
    private static final String PRLIMIT = "/usr/bin/prlimit";
    private static final String MOUNT = "/usr/bin/mount";
    private static final String SH = "/bin/sh";

    // Runs as root inside the new mount namespace, then execs the unprivileged rest of the command. Arguments: the
    // host work dir, then three lists each ended by "--": mounts to make read-only, unix sockets to cover with
    // /dev/null, directories to hide under an empty read-only tmpfs. The private /tmp goes first: the work dir
    // may itself sit under a directory that gets hidden. -n: /run/mount/utab is read-only by then.
    private static final String MOUNT_SETUP = String.join("\n",
            "set -eu",
            "unset PWD OLDPWD",
            "dir=$1; shift",
            "mount -n -t tmpfs -o " + TMP_TMPFS + " evalgate-sandbox \"$dir/tmp\"",
            "cp -p \"$dir/run_completion.py\" \"$dir/task.json\" \"$dir/tmp/\"",
            "mount -n --move \"$dir/tmp\" /tmp",
            "while [ \"$1\" != -- ]; do mount -n -o remount,bind,ro,nosuid,nodev \"$1\"; shift; done; shift",
            "while [ \"$1\" != -- ]; do mount -n --bind /dev/null \"$1\"; shift; done; shift",
            "while [ \"$1\" != -- ]; do mount -n -t tmpfs -o ro,size=4k,nr_inodes=2,mode=0555 evalgate-mask \"$1\"; shift; done; shift",
            "exec \"$@\"");

    private static final Set<String> ROOT_WRITABLE_ONLY = Set.of("proc", "sysfs", "cgroup", "cgroup2", "devtmpfs",
            "devpts", "securityfs", "debugfs", "tracefs", "pstore", "bpf", "configfs", "fusectl", "binfmt_misc",
            "efivarfs");

    // Where sockets (a local PostgreSQL's or MySQL's is world-connectable: a network namespace does not cover unix
    // sockets, nor does a read-only mount), credentials (/run/secrets) and shared scratch space live.
    private static final List<Path> HIDDEN_DIRS = List.of(Path.of("/run"), Path.of("/var/run"), Path.of("/var/tmp"),
            Path.of("/dev/shm"));

    private final Path python;
    private final byte[] runnerScript;
    // A semaphore whose permits have names: each running sandbox owns one uid, so RLIMIT_NPROC (counted per uid
    // across the host) lets one fork bomb exhaust only its own slot.
    private final BlockingQueue<Integer> freeUids;

    /** {@code /usr/bin/python3}, one sandbox per available processor, uids from {@link #DEFAULT_FIRST_UID}. */
    public PythonCodeSandbox() {
        this(Path.of("/usr/bin/python3"), Runtime.getRuntime().availableProcessors(), DEFAULT_FIRST_UID);
    }

    /**
     * @param python        interpreter the sandbox uid can execute (not one under {@code /root}); numpy, if it can
     *                      import it, becomes the harness's {@code np}
     * @param maxConcurrent sandboxes running at once; callers beyond that wait in {@link #run}
     * @param firstUid      first of {@code maxConcurrent} consecutive uids (and gids) reserved for the sandboxes: no
     *                      file or other process may use them
     * @throws IllegalStateException when this process cannot build the sandbox (not root, util-linux tools missing)
     */
    public PythonCodeSandbox(Path python, int maxConcurrent, int firstUid) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("maxConcurrent must be at least 1, got " + maxConcurrent);
        }
        if (firstUid < 1 || (long) firstUid + maxConcurrent > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("uids " + firstUid + ".." + ((long) firstUid + maxConcurrent - 1)
                    + " are not valid unprivileged uids");
        }
        requireIsolationTools();
        this.python = python;
        this.runnerScript = loadRunner();
        this.freeUids = new ArrayBlockingQueue<>(maxConcurrent, true);
        for (int i = 0; i < maxConcurrent; i++) {
            freeUids.add(firstUid + i);
        }
    }

    /**
     * Blocks the calling thread (never call it on an event loop) for up to about 4 s of program time plus start-up,
     * and longer while all sandboxes are busy.
     *
     * @throws IllegalArgumentException when {@code tests} is not a Python literal list
     * @throws IllegalStateException    when the sandbox itself could not be set up (nothing was executed)
     * @throws CancellationException    when the calling thread is interrupted (the sandbox is killed)
     */
    @Override
    public JsonNode run(String function, String completion, String entryPoint, String tests) {
        int uid;
        try {
            uid = freeUids.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for a free code sandbox");
        }
        Path dir = null;
        try {
            dir = prepareWorkDir(uid, function + completion, entryPoint, tests);
            return execute(dir, uid);
        } catch (IOException e) {
            throw new UncheckedIOException("could not set up a code sandbox", e);
        } finally {
            if (dir != null) {
                deleteRecursively(dir);
            }
            freeUids.add(uid);
        }
    }

    private JsonNode execute(Path dir, int uid) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command(dir, uid))
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.clear();
        env.put("PATH", "/usr/bin:/bin");
        env.put("LANG", "C.UTF-8");
        env.put("HOME", "/tmp");
        // numpy's BLAS would otherwise start one thread per core, each counted against RLIMIT_NPROC.
        env.put("OMP_NUM_THREADS", "1");
        env.put("OPENBLAS_NUM_THREADS", "1");
        env.put("MKL_NUM_THREADS", "1");

        Process process = builder.start();
        ProtocolReader protocol = new ProtocolReader(process.getInputStream());
        CappedReader stderr = new CappedReader(process.getErrorStream());
        start(protocol, "code-sandbox-stdout");
        start(stderr, "code-sandbox-stderr");
        try {
            Boolean ready = await(protocol.ready, STARTUP_MILLIS, null);
            if (ready == null || !ready) {
                throw startupFailure(process, stderr, ready == null);
            }
            String line = await(protocol.result, HARNESS_KILL_MILLIS, null);
            return line == null ? TextNode.valueOf(TIMED_OUT) : parseResults(line, stderr);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while running a code sandbox");
        } finally {
            killTree(process);
        }
    }

    private List<String> command(Path dir, int uid) throws IOException {
        List<Path> hidden = hiddenDirs();
        List<String> cmd = new ArrayList<>(List.of(UNSHARE,
                "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--ipc", "--uts", "--propagation", "private",
                "--", SH, "-c", MOUNT_SETUP, "evalgate-sandbox", dir.toString()));
        cmd.addAll(writableMounts(hidden));
        cmd.add("--");
        cmd.addAll(boundUnixSockets(hidden));
        cmd.add("--");
        hidden.forEach(d -> cmd.add(d.toString()));
        cmd.add("--");
        cmd.addAll(List.of(SETPRIV,
                // setuid clears the parent-death signal unshare's --kill-child set; keep it so killing unshare kills all.
                "--pdeathsig", "keep",
                "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all",
                "--", PRLIMIT,
                "--cpu=" + CPU_SECONDS_SOFT + ":" + CPU_SECONDS_HARD,
                "--as=" + ADDRESS_SPACE_BYTES,
                "--nproc=" + MAX_PROCESSES,
                "--fsize=" + FILE_SIZE_BYTES,
                "--nofile=" + MAX_OPEN_FILES,
                "--core=0",
                // -I: no PYTHON* variables, no user site, no script or working directory on sys.path. Not -S: the
                // system site-packages (root-owned) is where numpy, the harness's np, lives.
                "--", python.toString(), "-I", SANDBOX_RUNNER, SANDBOX_TASK));
        return cmd;
    }

    private static List<Path> hiddenDirs() throws IOException {
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path d : HIDDEN_DIRS) {
            if (Files.isDirectory(d)) {
                dirs.add(d.toRealPath());
            }
        }
        return new ArrayList<>(dirs);
    }

    /** Filesystem unix sockets bound in this network namespace that the sandbox could otherwise still reach. */
    private static List<String> boundUnixSockets(List<Path> hidden) throws IOException {
        Set<String> sockets = new LinkedHashSet<>();
        List<String> lines = Files.readAllLines(Path.of("/proc/net/unix"));
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            // Num RefCount Protocol Flags Type St Inode Path
            String[] fields = line.trim().split("\\s+", 8);
            if (fields.length < 8 || !fields[7].startsWith("/")) {
                continue; // unnamed, or abstract ("@..."): those are per network namespace already
            }
            Path socket = Path.of(fields[7]);
            if (!coveredInSandbox(socket, hidden) && isSocket(socket)) {
                sockets.add(fields[7]);
            }
        }
        return new ArrayList<>(sockets);
    }

    private static boolean coveredInSandbox(Path path, List<Path> hidden) {
        return path.startsWith("/tmp") || hidden.stream().anyMatch(path::startsWith);
    }

    private static boolean isSocket(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
        } catch (IOException e) {
            return false; // gone since it was bound
        }
    }

    /**
     * Mount points that are writable now, except kernel filesystems whose files only root may write (remounting
     * each costs a few ms per run; /proc is replaced by the namespace's own, /dev keeps /dev/null and friends) and
     * those the sandbox's /tmp or a hidden directory covers.
     */
    private static Set<String> writableMounts(List<Path> hidden) throws IOException {
        Set<String> mounts = new LinkedHashSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            // id parent major:minor root mount-point options [optional fields...] - fstype source super-options
            String[] fields = line.split(" ");
            String mountPoint = unescapeMountInfo(fields[4]);
            boolean writable = Arrays.asList(fields[5].split(",")).contains("rw");
            int separator = Arrays.asList(fields).indexOf("-");
            String type = separator > 0 && separator + 1 < fields.length ? fields[separator + 1] : "";
            if (writable && !ROOT_WRITABLE_ONLY.contains(type) && !mountPoint.startsWith("/proc/")
                    && !coveredInSandbox(Path.of(mountPoint), hidden)) {
                mounts.add(mountPoint);
            }
        }
        return mounts;
    }

    private static String unescapeMountInfo(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private Path prepareWorkDir(int uid, String program, String entryPoint, String tests) throws IOException {
        Path dir = Files.createTempDirectory("evalgate-sandbox-");
        try {
            // Stays 0700: only root, setting the sandbox up, reads it. The files are already the sandbox uid's alone,
            // and cp -p carries that into its /tmp.
            Files.createDirectory(dir.resolve("tmp"));
            Path runner = Files.write(dir.resolve("run_completion.py"), runnerScript);
            Path task = Files.write(dir.resolve("task.json"), JSON.writeValueAsBytes(
                    Map.of("program", program, "entry_point", entryPoint, "tests", tests)));
            for (Path file : List.of(runner, task)) {
                Files.setAttribute(file, "unix:uid", uid);
                Files.setAttribute(file, "unix:gid", uid);
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
            }
            return dir;
        } catch (IOException | RuntimeException e) {
            deleteRecursively(dir);
            throw e;
        }
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
            // falls through: only the program itself can have written this, through the runner's descriptor
        }
        // The harness records "timed out" whenever its child delivers no result; a mangled one is no result.
        LOG.warnf("code sandbox returned no readable result (%d chars), recording \"%s\"; stderr: %s",
                line.length(), TIMED_OUT, stderr.text());
        return TextNode.valueOf(TIMED_OUT);
    }

    private static RuntimeException startupFailure(Process process, CappedReader stderr, boolean slow) {
        Integer exit = null;
        try {
            if (slow) {
                killTree(process);
            }
            if (process.waitFor(REAP_MILLIS, TimeUnit.MILLISECONDS)) {
                exit = process.exitValue();
            }
            stderr.finished.get(REAP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // report what was captured so far
        }
        String detail = stderr.text().strip();
        if (exit != null && exit == EX_DATAERR) {
            return new IllegalArgumentException(detail);
        }
        return new IllegalStateException("the Python code sandbox did not start ("
                + (slow ? "not ready after " + STARTUP_MILLIS + " ms" : "exit " + exit) + "): " + detail
                + " — it needs root with CAP_SYS_ADMIN to create network, PID and mount namespaces (" + UNSHARE
                + ", " + MOUNT + "), " + SETPRIV + " and " + PRLIMIT + " from util-linux, and a python3 the sandbox"
                + " uid may execute; no model-generated code was run");
    }

    private static void requireIsolationTools() {
        for (String tool : List.of(UNSHARE, SETPRIV, PRLIMIT, MOUNT, SH)) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new IllegalStateException("the Python code sandbox needs " + tool
                        + " (util-linux) to isolate model-generated code; refusing to run it without isolation");
            }
        }
        String effectiveUid;
        try (Stream<String> status = Files.lines(Path.of("/proc/self/status"))) {
            effectiveUid = status.filter(l -> l.startsWith("Uid:")).map(l -> l.split("\\s+")[2]).findFirst().orElse("?");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot tell whether this process runs as root", e);
        }
        if (!effectiveUid.equals("0")) {
            throw new IllegalStateException("the Python code sandbox must be started by root (euid " + effectiveUid
                    + "): it creates network, PID and mount namespaces and switches to an unprivileged uid;"
                    + " refusing to run model-generated code without isolation");
        }
    }

    private static byte[] loadRunner() {
        try (InputStream in = PythonCodeSandbox.class.getResourceAsStream(RUNNER_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + RUNNER_RESOURCE);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Kills every process of the sandbox: its descendants by pid, and through the namespace's init (the runner) also
     * any that escaped the tree. unshare is left to reap that init and exit by itself, so no zombie is orphaned to
     * a container init that might never reap it; it is killed only if it does not.
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

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warnf(e, "could not delete code sandbox directory %s", dir);
        }
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
