package dev.evalgate.scoring.sandbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Real sandboxed python3 processes; needs root, as the gateway does. */
class PythonCodeSandboxTest {

    // Random: other builds on this host may run this class at the same time, and uids must not be shared.
    private static final int FIRST_UID = PythonCodeSandbox.DEFAULT_FIRST_UID + 100_000
            + ThreadLocalRandom.current().nextInt(100_000) * 4;
    private static final int SLOTS = 2;
    private static final PythonCodeSandbox SANDBOX = new PythonCodeSandbox(Path.of("/usr/bin/python3"), SLOTS, FIRST_UID);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String ADD = "def add(a, b):\n    \"\"\"Сумма двух чисел.\"\"\"\n";
    private static final String TWO_TESTS = "[{'a': 1, 'b': 2}, {'a': -1, 'b': 1}]";

    private static JsonNode run(String function, String completion, String entryPoint, String tests) {
        return SANDBOX.run(function, completion, entryPoint, tests);
    }

    private static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    /** A one-argument entry point whose body is the completion; tests pass each value as {@code x}. */
    private static JsonNode probe(String body, String... xs) {
        StringBuilder tests = new StringBuilder("[");
        for (String x : xs) {
            tests.append(tests.length() > 1 ? ", " : "").append("{'x': ").append(x).append('}');
        }
        return run("def probe(x):\n", body, "probe", tests.append(']').toString());
    }

    @Test
    void correctCompletionGivesEachTestsResultAsString() throws IOException {
        assertEquals(json("[\"3\", \"0\"]"), run(ADD, "    return a + b\n", "add", TWO_TESTS));
    }

    @Test
    void noneAndRaisingTestsAreNullAndSyntaxErrorsNullEveryTest() throws IOException {
        String completion = "    if a == 1:\n        return None\n    return a // (a + b)\n";
        assertEquals(json("[null, null]"), run(ADD, completion, "add", TWO_TESTS));
        assertEquals(json("[null, null]"), run(ADD, "    return a +\n", "add", TWO_TESTS));
        assertEquals(json("[null, null]"), run(ADD, "    return a + b\n", "missing_entry_point", TWO_TESTS));
    }

    @Test
    void programsTopLevelNamesAreInvisibleInsideTheEntryPointButHarnessGlobalsAreVisible() throws IOException {
        // MERA exec()s the program inside a function: top-level imports and helpers are not the entry point's
        // globals; the harness module's imports (os, ast, List, ...) are.
        String function = "import math\n\ndef helper(v):\n    return v\n\ndef pick(k):\n";
        String completion = "    if k == 'helper':\n        return helper(1)\n"
                + "    if k == 'math':\n        return math.floor(1.5)\n"
                + "    if k == 'later':\n        return defined_after(1)\n"
                + "    if k == 'harness':\n        return (List.__name__, ast.literal_eval('2'), os.sep)\n"
                + "    return 'plain'\n"
                + "\ndef defined_after(v):\n    return v\n";
        String tests = "[{'k': 'helper'}, {'k': 'math'}, {'k': 'later'}, {'k': 'harness'}, {'k': 'plain'}]";
        assertEquals(json("[null, null, null, \"('List', 2, '/')\", \"plain\"]"), run(function, completion, "pick", tests));
    }

    @Test
    void harnessReliabilityGuardAndSystemExitBehaveAsInMera() throws IOException {
        // reliability_guard() disables os.getcwd, subprocess.Popen...: a program that calls them fails there too.
        assertEquals(json("[null]"), probe("    return os.getcwd()\n", "0"));
        // SystemExit escapes the harness's `except Exception`; its child dies without a result.
        assertEquals(json("\"timed out\""), probe("    import sys\n    sys.exit(0)\n", "0"));
    }

    @Test
    void numpyIsTheHarnesssNpWhenTheInterpreterHasIt() throws Exception {
        Process host = new ProcessBuilder("/usr/bin/python3", "-I", "-c", "import numpy").start();
        assumeTrue(host.waitFor() == 0, "no numpy for /usr/bin/python3 (python3-numpy)");
        // Its shared objects (BLAS and LAPACK through /etc/alternatives) are in the sandbox's root.
        assertEquals(json("[\"6\", \"[[1. 0.]\\n [0. 1.]]\"]"),
                probe("    return np.arange(4).sum() if x == 0 else np.linalg.inv(np.eye(2))\n", "0", "1"));
    }

    @Test
    void endlessLoopIsKilledAsTimedOutWhileOtherSandboxesKeepWorking() throws Exception {
        long start = System.nanoTime();
        CompletableFuture<JsonNode> runaway = CompletableFuture.supplyAsync(() -> probe("    while True:\n        pass\n", "0"));
        // the runaway's interpreter is up, as a sandbox uid, before the healthy run asks for the other slot
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(10))
                .until(() -> sandboxProcesses().stream().anyMatch(p -> p.contains("Name:\tpython")));
        assertEquals(json("[\"3\", \"0\"]"), run(ADD, "    return a + b\n", "add", TWO_TESTS));
        assertFalse(runaway.isDone(), "the healthy run finished while the runaway still ran beside it");

        assertEquals(json("\"timed out\""), runaway.get());
        double seconds = (System.nanoTime() - start) / 1e9;
        // at least the harness's 4 s; the upper bound leaves room for interpreter start-up on a loaded machine
        assertTrue(seconds >= 4 && seconds < 20, "killed after " + seconds + " s");
        assertNoSandboxProcessLeft();
    }

    @Test
    void endlessLoopAtTopLevelHitsTheHarnessThreeSecondAlarm() throws IOException {
        // exec() runs under a 3 s alarm whose TimeoutException fails the whole program: all null, not "timed out".
        assertEquals(json("[null, null]"), run(ADD, "    return a + b\nwhile True:\n    pass\n", "add", TWO_TESTS));
    }

    @Test
    void filesOutsideTheSandboxAreUnreadableAndUnwritable() throws IOException {
        // Not under /tmp (where a clone may live): the sandbox has a /tmp of its own, which would hide the files for
        // another reason.
        Path dir = Files.createTempDirectory(Path.of("/var/lib"), "evalgate-sandbox-files-");
        try {
            Path secret = Files.writeString(dir.resolve("secret.txt"), "root-only");
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
            Path visible = Files.writeString(dir.resolve("public.txt"), "world-readable");
            Path planted = dir.resolve("planted.txt");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));

            String body = "    if x == 'root':\n        return len(os.listdir('/root'))\n"
                    + "    if x.endswith('planted.txt'):\n        open(x, 'w').write('x')\n        return 'written'\n"
                    + "    if x == 'cwd':\n        open('here.txt', 'w').write('ok')\n        return open('here.txt').read()\n"
                    + "    return open(x).read()\n";
            JsonNode result = probe(body, "'" + secret + "'", "'" + visible + "'", "'root'", "'" + planted + "'", "'cwd'");
            // The sandbox's root holds the Python runtime only: a world-readable host file is as absent as root's.
            assertEquals(json("[null, null, null, null, \"ok\"]"), result);
            assertFalse(Files.exists(planted), "the program wrote into a world-writable host directory");
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void sandboxGetsAPrivateTmpAndLeavesNoDirectoryBehind() throws IOException {
        Path hostTmp = Path.of(System.getProperty("java.io.tmpdir"));
        Path hostFile = Files.createTempFile(hostTmp, "host-only-", ".txt");
        try {
            Set<Path> before = sandboxDirs(hostTmp);
            String body = "    import posix, tempfile\n"
                    + "    if x == 'cwd':\n        return posix.getcwd()\n"
                    + "    if x == 'tempfile':\n        return tempfile.mkdtemp().startswith('/tmp/')\n"
                    + "    return posix.access(x, posix.F_OK)\n";
            JsonNode result = probe(body, "'cwd'", "'tempfile'", "'" + hostFile + "'");
            assertTrue(result.get(0).asText().startsWith("/tmp/tmp"), "ran in " + result.get(0));
            assertEquals("True", result.get(1).asText(), "tempfile works as in the harness");
            assertEquals("False", result.get(2).asText(), "the host's /tmp is visible");
            assertEquals(before, sandboxDirs(hostTmp), "throwaway directories left behind");
        } finally {
            Files.delete(hostFile);
        }
    }

    @Test
    void unixSocketsOfLocalServicesAreUnreachable() throws IOException {
        // A network namespace does not cover filesystem sockets (a local PostgreSQL's is world-connectable).
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "sandbox-socket-");
        Path path = dir.resolve("service.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            server.configureBlocking(false);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxrwxrwx"));
            String body = "    import socket\n    s = socket.socket(socket.AF_UNIX)\n    s.connect(x)\n    return 'connected'\n";
            assertEquals(json("[null]"), probe(body, "'" + path + "'"));
            assertNull(server.accept(), "the sandbox reached the test's unix socket");
        } finally {
            Files.deleteIfExists(path);
            Files.delete(dir);
        }
    }

    private static Set<Path> sandboxDirs(Path tmp) throws IOException {
        try (Stream<Path> dirs = Files.list(tmp)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("evalgate-sandbox-")).collect(Collectors.toSet());
        }
    }

    @Test
    void noNetworkNoOtherProcessesNoPrivileges() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(200);
            String body = "    import socket\n"
                    + "    if x == 'connect':\n"
                    + "        socket.create_connection(('127.0.0.1', " + server.getLocalPort() + "), timeout=1)\n"
                    + "        return 'connected'\n"
                    + "    if x == 'interfaces':\n        return [name for _, name in socket.if_nameindex()]\n"
                    + "    if x == 'pids':\n        return sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
                    + "    if x == 'uid':\n        return (os.getuid() != 0, os.getgid() != 0, os.getgroups())\n"
                    + "    return open('/proc/self/status').read().split('CapEff:')[1].split()[0]\n";
            JsonNode result = probe(body, "'connect'", "'interfaces'", "'pids'", "'uid'", "'caps'");
            // No socket of any kind (if_nameindex needs a netlink one); the processes are the runner (1), which
            // reports, and the harness's child (2), which runs the program.
            assertEquals(json("[null, null, \"[1, 2]\", \"(True, True, [])\", \"0000000000000000\"]"), result);
            assertThrows(SocketTimeoutException.class, server::accept, "the sandbox reached the test's socket");
        }
    }

    @Test
    void gatewayEnvironmentIsNotInherited() throws IOException {
        JsonNode keys = probe("    return sorted(os.environ)\n", "0");
        assertEquals(json("[\"['HOME', 'LANG', 'MKL_NUM_THREADS', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'PATH']\"]"), keys);
        JsonNode values = probe("    return os.environ.get(x)\n", "'PATH'", "'HOME'", "'JAVA_HOME'", "'MAVEN_OPTS'");
        assertNotEquals(System.getenv("PATH"), values.get(0).textValue());
        assertNotEquals(System.getenv("HOME"), values.get(1).textValue());
        assertTrue(values.get(2).isNull() && values.get(3).isNull(), values.toString());
    }

    @Test
    void forkBombIsCappedAndCleanedUp() throws IOException {
        // posix.fork is what os.fork was before the harness's guard replaced it; children sleep, holding their slot.
        String body = "    import posix, time\n    n = 0\n    while True:\n        try:\n"
                + "            if posix.fork() == 0:\n                time.sleep(60)\n        except OSError:\n"
                + "            return n\n        n += 1\n";
        JsonNode result = probe(body, "0");
        int forked = Integer.parseInt(result.get(0).asText());
        assertTrue(forked > 0 && forked < 16, "forked " + forked);
        assertNoSandboxProcessLeft();
        assertEquals(json("[\"3\", \"0\"]"), run(ADD, "    return a + b\n", "add", TWO_TESTS));
    }

    @Test
    void memoryHogGetsMemoryError() throws IOException {
        assertEquals(json("[null, null]"), probe("    return len(bytearray(x * 1024**3))\n", "2", "1"));
        assertEquals(json("[\"1048576\"]"), probe("    return len(bytearray(x))\n", "1048576"));
    }

    @Test
    void hugeOutputNeitherCorruptsNorFloodsTheResult() throws IOException {
        String noisy = "    for _ in range(100):\n        print('x' * 1_000_000)\n"
                + "    import sys\n    sys.stderr.write('e' * 10_000_000)\n    posix_write = __import__('posix').write\n"
                + "    posix_write(1, b'{\"results\": [\"forged\"]}\\n' * 1000)\n    return a + b\n";
        assertEquals(json("[\"3\", \"0\"]"), run(ADD, noisy, "add", TWO_TESTS));

        JsonNode huge = probe("    return 'y' * 50_000_000\n", "0");
        String text = huge.get(0).textValue();
        assertTrue(text.startsWith("yyyy") && text.endsWith("[truncated by evalgate]"), text.substring(0, 10));
        assertTrue(text.length() < 1_100_000, "kept " + text.length() + " chars");
    }

    @Test
    void malformedTestsAndBrokenSetupFailLoudly() {
        assertThrows(IllegalArgumentException.class, () -> run(ADD, "    return a + b\n", "add", "[{'a': 1,"));
        PythonCodeSandbox broken = new PythonCodeSandbox(Path.of("/nonexistent/python3"), 1, FIRST_UID + SLOTS);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> broken.run(ADD, "    return a + b\n", "add", TWO_TESTS));
        assertTrue(e.getMessage().contains("/nonexistent/python3"), e.getMessage());
    }

    /** No process of any sandbox uid exists any more, wherever it may have been reparented. */
    private static void assertNoSandboxProcessLeft() throws IOException {
        assertEquals(List.of(), sandboxProcesses(), "sandbox processes still alive");
    }

    /** The processes running as a sandbox uid, described by their pid and status lines. */
    private static List<String> sandboxProcesses() throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .filter(PythonCodeSandboxTest::runsAsSandboxUid)
                    .map(PythonCodeSandboxTest::describe)
                    .toList();
        }
    }

    private static String describe(Path proc) {
        try (Stream<String> lines = Files.lines(proc.resolve("status"))) {
            return proc.getFileName() + " " + lines.filter(l -> l.matches("(Name|State|PPid|NSpid):.*")).toList();
        } catch (IOException | RuntimeException e) {
            return proc.getFileName().toString();
        }
    }

    private static boolean runsAsSandboxUid(Path proc) {
        try (Stream<String> lines = Files.lines(proc.resolve("status"))) {
            return lines.filter(l -> l.startsWith("Uid:"))
                    .map(l -> Long.parseLong(l.split("\\s+")[1]))
                    .anyMatch(uid -> uid >= FIRST_UID && uid < FIRST_UID + SLOTS + 1);
        } catch (IOException | RuntimeException e) {
            return false; // exited while we looked
        }
    }
}
