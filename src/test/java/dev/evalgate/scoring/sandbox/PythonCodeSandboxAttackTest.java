package dev.evalgate.scoring.sandbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What a model-written program could try against the sandbox, each attack with the defence it meets. Every assertion
 * here fails without that defence (docs/sandbox.md lists how each was checked). Real sandboxes; needs root.
 */
class PythonCodeSandboxAttackTest {

    // Random, and apart from PythonCodeSandboxTest's: other builds on this host may run these at the same time.
    private static final int FIRST_UID = PythonCodeSandbox.DEFAULT_FIRST_UID + 1_000_000
            + ThreadLocalRandom.current().nextInt(100_000) * 8;
    private static final int UIDS = 8;
    private static final int MAIN_SLOTS = 2;
    private static final int FALLBACK_UID = FIRST_UID + 2;
    private static final int CONTAINER_UID = FIRST_UID + 3;
    private static final int FEWER_CAPS_UID = FIRST_UID + 4;
    private static final int USERNS_UID = FIRST_UID + 5;
    private static final int STAND_IN_UID = FIRST_UID + 6;
    private static final int SMALL_UID = FIRST_UID + 7;
    // The memory tests' sandboxes, small so that exceeding them stays quick on a busy machine.
    private static final long SMALL_MEMORY = 256L << 20;
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    // A cgroup that exists nowhere: the sandboxes built with it have no per-run cgroup.
    private static final Optional<String> NO_CGROUP = Optional.of("/evalgate-test-no-such-cgroup");

    private static final PythonCodeSandbox SANDBOX = new PythonCodeSandbox(PYTHON, MAIN_SLOTS, FIRST_UID);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Path> CLEANUP = new ArrayList<>();

    private static final String ADD = "def add(a, b):\n";
    private static final String TWO_TESTS = "[{'a': 1, 'b': 2}, {'a': -1, 'b': 1}]";
    private static final String EPERM = "1";
    private static final String ENOSYS = "38";

    /**
     * Program helpers with the system call numbers of this machine's architecture: syscall(name, *args) gives 'ok' or
     * the errno, raw(name, *args) the result or -errno.
     */
    private static final String SYSCALL = "    import ctypes, platform, posix\n"
            + "    numbers = {'x86_64': dict(unshare=272, setns=308, clone=56, clone3=435, ptrace=101, mount=165,"
            + " umount2=166, pivot_root=155, chroot=161, fsopen=430, io_uring_setup=425, bpf=321, keyctl=250,"
            + " add_key=248, perf_event_open=298, userfaultfd=323, process_vm_readv=310, pidfd_open=434,"
            + " pidfd_getfd=438, prlimit64=302),\n"
            + "               'aarch64': dict(unshare=97, setns=268, clone=220, clone3=435, ptrace=117, mount=40,"
            + " umount2=39, pivot_root=41, chroot=51, fsopen=430, io_uring_setup=425, bpf=280, keyctl=219,"
            + " add_key=217, perf_event_open=241, userfaultfd=282, process_vm_readv=270, pidfd_open=434,"
            + " pidfd_getfd=438, prlimit64=261)}[platform.machine()]\n"
            + "    libc = ctypes.CDLL(None, use_errno=True)\n"
            + "    def raw(name, *args):\n"
            + "        r = libc.syscall(ctypes.c_long(numbers[name]), *[a if isinstance(a, (bytes, ctypes.Array))"
            + " else ctypes.c_long(a) for a in args])\n"
            + "        if r == 0 and name == 'clone':\n"
            + "            posix._exit(0)\n"
            + "        return r if r >= 0 else -ctypes.get_errno()\n"
            + "    def syscall(name, *args):\n"
            + "        r = raw(name, *args)\n"
            + "        return 'ok' if r >= 0 else -r\n"
            + "    buf = ctypes.create_string_buffer\n";

    private static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    /** A one-argument entry point whose body is the completion; tests pass each value as {@code x}. */
    private static JsonNode probe(PythonCodeSandbox sandbox, String body, String... xs) {
        StringBuilder tests = new StringBuilder("[");
        for (String x : xs) {
            tests.append(tests.length() > 1 ? ", " : "").append("{'x': ").append(x).append('}');
        }
        return sandbox.run("def probe(x):\n", body, "probe", tests.append(']').toString());
    }

    private static JsonNode probe(String body, String... xs) {
        return probe(SANDBOX, body, xs);
    }

    private static String quoted(Path path) {
        return "'" + path + "'";
    }

    @AfterAll
    static void removeHostFiles() throws IOException {
        for (Path path : CLEANUP) {
            if (!Files.exists(path)) {
                continue; // went with its directory
            }
            try (Stream<Path> files = Files.walk(path)) {
                files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Path hostFile(Path dir, String prefix, String content) throws IOException {
        Path file = Files.createTempFile(dir, prefix, ".txt");
        CLEANUP.add(file);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        return file;
    }

    /** Defence: the root holds only the allow-list (the interpreter, its sys.path, its shared objects). */
    @Test
    void readsNoHostFileOutsideTheAllowList() throws IOException {
        // World-readable on purpose: the old read-only view of the host let the sandbox uid read all of these.
        Path goldDir = Files.createTempDirectory(Path.of("/var/lib"), "evalgate-gold-");
        CLEANUP.add(goldDir);
        Files.setPosixFilePermissions(goldDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path gold = hostFile(goldDir, "rucodeeval-", "{\"outputs\": [\"42\"]}");
        Path config = hostFile(Path.of("/etc"), "evalgate-test-", "quarkus.datasource.password=hunter2");
        // Beside the allow-listed /usr/lib/python3.x: the root has that directory, not its parent.
        Path besideRuntime = hostFile(Path.of("/usr/lib"), "evalgate-test-", "not the runtime");
        JsonNode result = probe("    if x == 'etc':\n        return sorted(os.listdir('/etc'))\n"
                + "    return open(x).read()\n",
                "'/etc/passwd'", "'/etc/hostname'", quoted(gold), quoted(config), quoted(besideRuntime), "'etc'");
        for (int i = 0; i < 5; i++) {
            assertTrue(result.get(i).isNull(), "read " + result.get(i));
        }
        // /etc has the alternatives links that numpy's BLAS is found through, if numpy is installed, and nothing else
        assertTrue(Set.of("[]", "['alternatives']").contains(result.get(5).asText()), result.get(5).asText());
    }

    /** Defence: the PID namespace (no host process is visible) and the runner being not dumpable. */
    @Test
    void seesNoOtherProcessNorTheRunnersEnvironment() throws IOException {
        long gateway = ProcessHandle.current().pid();
        JsonNode result = probe("    if x == 'pids':\n"
                + "        return sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
                + "    if x == 'gateway':\n        return os.path.exists('/proc/" + gateway + "')\n"
                + "    if x == 'host':\n        return os.uname().nodename\n"
                + "    if x == 'fds':\n        return os.listdir('/proc/1/fd')\n"
                + "    return open(x, 'rb').read(16)\n",
                "'pids'", "'gateway'", "'host'", "'/proc/1/environ'", "'/proc/1/mem'", "'fds'");
        assertEquals(json("[\"[1, 2]\", \"False\", \"evalgate-sandbox\", null, null, null]"), result);
    }

    /** Defence: the seccomp filter refuses socket() for every family (the network namespace alone would allow it). */
    @Test
    void opensNoSocket() throws IOException {
        String body = "    import socket\n    try:\n        socket.socket(*x).close()\n        return 'opened'\n"
                + "    except OSError as e:\n        return e.errno\n";
        // TCP, UDP, TCP over IPv6, unix, netlink route, packet
        JsonNode result = probe(body, "(2, 1)", "(2, 2)", "(10, 1)", "(1, 1)", "(16, 3)", "(17, 3)");
        assertEquals(json("[\"1\", \"1\", \"1\", \"1\", \"1\", \"1\"]"), result);
    }

    /** Defence: the seccomp filter (unshare, setns, clone with namespace flags; clone3 looks absent). */
    @Test
    void createsNoNamespace() throws IOException {
        String body = SYSCALL
                + "    if x == 'userns':\n        return syscall('unshare', 0x10000000)\n"
                + "    if x == 'mountns':\n        return syscall('unshare', 0x20000)\n"
                + "    if x == 'netns':\n        return syscall('unshare', 0x40000000)\n"
                + "    if x == 'setns':\n        return syscall('setns', 0, 0)\n"
                + "    if x == 'clone':\n        return syscall('clone', 0x10000000 | 17, 0, 0, 0, 0)\n"
                + "    return syscall('clone3', buf(88), 88)\n";
        JsonNode result = probe(body, "'userns'", "'mountns'", "'netns'", "'setns'", "'clone'", "'clone3'");
        assertEquals(JSON.valueToTree(List.of(EPERM, EPERM, EPERM, EPERM, EPERM, ENOSYS)), result);
    }

    /** Defence: the seccomp filter (mount and its relatives), even after trying for a namespace of its own. */
    @Test
    void mountsNothing() throws IOException {
        String body = SYSCALL
                + "    if x == 'tmpfs':\n        return syscall('mount', b'none', b'/tmp', b'tmpfs', 0, 0)\n"
                + "    if x == 'umount':\n        return syscall('umount2', b'/proc', 2)\n"
                + "    if x == 'pivot':\n        return syscall('pivot_root', b'/tmp', b'/tmp')\n"
                + "    if x == 'chroot':\n        return syscall('chroot', b'/tmp')\n"
                + "    if x == 'fsopen':\n        return syscall('fsopen', b'tmpfs', 0)\n"
                // what a program with the namespaces refused would do next, and could then do
                + "    if syscall('unshare', 0x10000000 | 0x20000) == 'ok':\n"
                + "        return syscall('mount', b'none', b'/tmp', b'tmpfs', 0, 0)\n"
                + "    return 'refused'\n";
        JsonNode result = probe(body, "'tmpfs'", "'umount'", "'pivot'", "'chroot'", "'fsopen'", "'own namespace'");
        assertEquals(JSON.valueToTree(List.of(EPERM, EPERM, EPERM, EPERM, EPERM, "refused")), result);
    }

    /** Defence: the seccomp filter (ptrace, process_vm_*, pidfd_getfd; prlimit64 on another process). */
    @Test
    void tracesNoProcess() throws IOException {
        String body = SYSCALL
                + "    if x == 'traceme':\n        return syscall('ptrace', 0, 0, 0, 0)\n"
                + "    if x == 'attach':\n        return syscall('ptrace', 16, 1, 0, 0)\n"
                // 16 bytes of the runner's memory at an address of this process's own (a fork shares its layout)
                + "    if x == 'vm_readv':\n        import struct\n        into = buf(16)\n"
                + "        iov = buf(struct.pack('=QQ', ctypes.addressof(into), 16), 16)\n"
                + "        return syscall('process_vm_readv', 1, iov, 1, iov, 1, 0)\n"
                + "    if x == 'getfd':\n        return syscall('pidfd_getfd', raw('pidfd_open', 1, 0), 1, 0)\n"
                + "    return syscall('prlimit64', 1, 7, buf(16), 0)\n";
        JsonNode result = probe(body, "'traceme'", "'attach'", "'vm_readv'", "'getfd'", "'prlimit'");
        assertEquals(JSON.valueToTree(List.of(EPERM, EPERM, EPERM, EPERM, EPERM)), result);
    }

    /** Defence: the seccomp filter; unprivileged, each of these works on this kernel (bpf is also off by sysctl). */
    @Test
    void reachesNoKernelAttackSurface() throws IOException {
        // perf_event_attr: a software CPU clock of this process, user space only (perf_event_paranoid 2 allows it)
        String body = SYSCALL
                + "    if x == 'io_uring':\n        return syscall('io_uring_setup', 1, buf(120))\n"
                + "    if x == 'bpf':\n        return syscall('bpf', 0, buf(128), 128)\n"
                + "    if x == 'keyctl':\n        return syscall('keyctl', 0, -3, 0)\n"
                + "    if x == 'add_key':\n        return syscall('add_key', b'user', b'k', b'v', 1, -2)\n"
                + "    if x == 'userfaultfd':\n        return syscall('userfaultfd', 1)\n"
                + "    import struct\n"
                + "    attr = buf(struct.pack('=IIQ', 1, 128, 0) + bytes(24) + struct.pack('=Q', 1 | 32 | 64), 128)\n"
                + "    return syscall('perf_event_open', attr, 0, -1, -1, 0)\n";
        JsonNode result = probe(body, "'io_uring'", "'bpf'", "'keyctl'", "'add_key'", "'userfaultfd'", "'perf'");
        assertEquals(JSON.valueToTree(List.of(EPERM, EPERM, EPERM, EPERM, EPERM, EPERM)), result);
    }

    /**
     * Defence: only the runner (PID 1, not dumpable, signals from inside ignored) holds the gateway's descriptor; the
     * child it reads from can send one reply, which the runner accepts only with one str or None per test.
     */
    @Test
    void cannotForgeTheResultLine() throws IOException {
        String reach = SYSCALL
                + "    if x == 'fd':\n        return posix.open('/proc/1/fd/1', posix.O_WRONLY)\n"
                + "    if x == 'mem':\n        return posix.open('/proc/1/mem', posix.O_RDWR)\n"
                + "    if x == 'signals':\n"
                + "        for sig in (2, 19, 15, 9):\n            posix.kill(1, sig)\n"
                + "        return 'sent'\n"
                + "    return syscall('prlimit64', 1, 7, buf(b'\\0' * 16, 16), 0)\n";
        // The runner outlived the signals (it reported), and reached neither its descriptor nor its memory.
        assertEquals(json("[null, null, \"sent\", \"" + EPERM + "\"]"), probe(reach, "'fd'", "'mem'", "'signals'",
                "'prlimit'"));

        // A line of the gateway's protocol with one result where there are two tests (no honest run can give that),
        // on every descriptor the program has and on the runner's stdout, then a failure of the whole program.
        String forge = "import posix\n"
                + "line = b'{\"results\": [\"forged\"]}\\n'\n"
                + "for fd in range(1024):\n    try:\n        posix.write(fd, line)\n    except OSError:\n        pass\n"
                + "for path in ('/proc/1/fd/1', '/proc/self/fd/1', '/dev/stdout'):\n"
                + "    try:\n        posix.write(posix.open(path, posix.O_WRONLY), line)\n    except OSError:\n"
                + "        pass\n";
        JsonNode raised = SANDBOX.run(ADD, "    return a + b\n" + forge + "raise RuntimeError('forged')\n", "add",
                TWO_TESTS);
        JsonNode exited = SANDBOX.run(ADD, "    return a + b\n" + forge + "posix._exit(0)\n", "add", TWO_TESTS);
        // What the harness gives such programs: all null, or "timed out" (the reply pipe got the forged line first)
        Set<JsonNode> honest = Set.of(json("[null, null]"), json("\"timed out\""));
        assertTrue(honest.contains(raised), "recorded " + raised);
        assertTrue(honest.contains(exited), "recorded " + exited);
    }

    /** Defence: /tmp is a tmpfs of 16 MiB and 1024 inodes; everything else is read-only. */
    @Test
    void cannotFillTmpOrWriteAnywhereElse() throws IOException {
        String body = "    import posix\n"
                + "    if x == 'bytes':\n        total = 0\n        try:\n"
                + "            while total < 32 << 20:\n"
                + "                with open('/tmp/fill-%d' % total, 'wb') as f:\n"
                + "                    f.write(b'x' * (2 << 20))\n"
                + "                total += 2 << 20\n"
                + "        except OSError:\n            pass\n        return total >> 20\n"
                + "    if x == 'files':\n        n = 0\n        try:\n            while n < 4096:\n"
                + "                open('/tmp/f%d' % n, 'w').close()\n                n += 1\n"
                + "        except OSError:\n            return n\n        return n\n"
                + "    refused = 0\n"
                + "    for d in ('/', '/usr', '/usr/lib', '/dev', '/run/evalgate', '/etc', '/proc'):\n"
                + "        try:\n            open(d + '/planted', 'w').close()\n        except OSError:\n"
                + "            refused += 1\n"
                + "    return refused\n";
        // one sandbox each, so that each has the harness's 4 s to itself
        int mib = probe(body, "'bytes'").get(0).asInt();
        int files = probe(body, "'files'").get(0).asInt();
        assertTrue(mib > 0 && mib <= 16, "wrote " + mib + " MiB to /tmp");
        assertTrue(files > 0 && files < 1024, "created " + files + " files in /tmp");
        assertEquals(json("[\"7\"]"), probe(body, "'elsewhere'"));
    }

    /** Defence: the private /dev (a tmpfs with null, zero, full, random, urandom bound from the host, nothing else). */
    @Test
    void reachesNoDeviceBeyondTheMinimalSet() throws Exception {
        // A world-writable character device as GPU drivers create them (this one is a copy of /dev/null's numbers).
        Path device = Path.of("/dev/evalgate-test-gpu" + ThreadLocalRandom.current().nextInt(1_000_000));
        Process mknod = new ProcessBuilder("mknod", "-m", "666", device.toString(), "c", "1", "3").inheritIO().start();
        assertEquals(0, mknod.waitFor());
        try {
            JsonNode result = probe("    if x == 'list':\n        return sorted(os.listdir('/dev'))\n"
                    + "    if x == 'null':\n        return open('/dev/null', 'wb').write(b'x')\n"
                    + "    if x == 'urandom':\n        return len(open('/dev/urandom', 'rb').read(8))\n"
                    + "    return open(x, 'wb').write(b'x')\n",
                    "'list'", "'null'", "'urandom'", quoted(device), "'/dev/kvm'", "'/dev/vda'");
            assertEquals(json("[\"['fd', 'full', 'null', 'random', 'stderr', 'stdin', 'stdout', 'urandom', 'zero']\","
                    + " \"1\", \"8\", null, null, null]"), result);
        } finally {
            Files.deleteIfExists(device);
        }
    }

    /** Defence: the per-run memory cgroup; each child stays under RLIMIT_AS, together they do not fit. */
    @Test
    void memoryBombIsKilledInsideItsCgroupAndTheGatewayCarriesOn() throws IOException {
        PythonCodeSandbox small = new PythonCodeSandbox(PYTHON, 1, SMALL_UID,
                new PythonCodeSandbox.Settings(SMALL_MEMORY, Optional.empty(), false), List.of());
        // Four processes of 100 MiB each, touched; the sandbox may hold 256 MiB. Each child reports once it holds
        // its share; the program counts the reports.
        String body = "    import posix, time\n"
                + "    r, w = posix.pipe()\n"
                + "    for _ in range(4):\n"
                + "        if posix.fork() == 0:\n"
                + "            posix.close(r)\n"
                + "            block = b'x' * (100 << 20)\n"
                + "            posix.write(w, b'+')\n"
                + "            posix.close(w)\n"
                + "            time.sleep(60)\n"
                + "            posix._exit(0)\n"
                + "    posix.close(w)\n"
                + "    held = 0\n"
                + "    while posix.read(r, 1):\n        held += 1\n"
                + "    return held\n";
        JsonNode result = probe(small, body, "0");
        // "timed out" if the OOM killer took the program's own process: a failed run, as the harness records it
        int held = result.isArray() ? result.get(0).asInt() : 0;
        assertTrue(held < 4, "four processes held 400 MiB at once: " + result);
        assertEquals(json("[\"3\", \"0\"]"), small.run(ADD, "    return a + b\n", "add", TWO_TESTS));
        JsonNode oom = probe("    return open('/proc/self/oom_score_adj').read().strip()\n", "0");
        assertEquals(json("[\"1000\"]"), oom, "the OOM killer's first choice, before the gateway");
    }

    /** Defence: the PID namespace (the runner's exit kills it) and the run's cgroup being emptied. */
    @Test
    void daemonisedChildDiesWithItsSandbox() throws IOException {
        String body = "    import posix, time\n"
                + "    r, w = posix.pipe()\n"
                + "    if posix.fork() == 0:\n"
                + "        posix.setsid()\n"
                + "        if posix.fork() == 0:\n"
                + "            posix.write(w, b'up')\n"
                + "            time.sleep(120)\n"
                + "        posix._exit(0)\n"
                + "    return posix.read(r, 2).decode()\n";
        assertEquals(json("[\"up\"]"), probe(body, "0"));
        assertEquals(List.of(), sandboxProcesses(), "sandbox processes still alive");
    }

    /** Defence: the parent-death signal of the launcher (on the gateway's thread) and of the runner (on the launcher). */
    @Test
    void nothingSurvivesTheGateway() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process gateway = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                SandboxGatewayStandIn.class.getName(), Integer.toString(STAND_IN_UID))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            // the runner, the program's process, and the daemon it left
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> processesOf(STAND_IN_UID).size() >= 3);
            gateway.destroyForcibly();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> processesOf(STAND_IN_UID).isEmpty());
        } finally {
            gateway.destroyForcibly();
        }
    }

    /** Defence: the private /dev; the old nodev remount of a container's tmpfs /dev made /dev/null unopenable. */
    @Test
    void worksInAContainersTmpfsDev() throws IOException {
        // What Docker gives a container: /dev a tmpfs with device nodes made by mknod, shm beside them.
        String containerDev = "set -e\n"
                + "mount -t tmpfs -o nosuid,strictatime,mode=755,size=65536k tmpfs /dev\n"
                + "for n in null:3 zero:5 full:7 random:8 urandom:9; do mknod -m 666 /dev/${n%:*} c 1 ${n#*:}; done\n"
                + "mknod -m 666 /dev/tty c 5 0\n"
                + "mkdir /dev/pts /dev/shm\n"
                + "mount -t tmpfs -o nosuid,nodev,noexec,size=65536k shm /dev/shm\n"
                + "ln -s /proc/self/fd /dev/fd\n"
                + "grep -q ' /dev tmpfs ' /proc/mounts\n"
                + "exec \"$@\"\n";
        PythonCodeSandbox inContainer = new PythonCodeSandbox(PYTHON, 1, CONTAINER_UID,
                PythonCodeSandbox.Settings.DEFAULTS,
                List.of("unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", containerDev, "sh"));
        assertEquals(json("[\"3\", \"0\"]"), inContainer.run(ADD, "    return a + b\n", "add", TWO_TESTS));
        assertEquals(json("[\"1\", \"['fd', 'full', 'null', 'random', 'stderr', 'stdin', 'stdout', 'urandom', 'zero']\"]"),
                probe(inContainer, "    if x:\n        return sorted(os.listdir('/dev'))\n"
                        + "    return open('/dev/null', 'wb').write(b'x')\n", "0", "1"));
    }

    /** What the launcher needs with a uid of 0: CAP_SYS_ADMIN, CAP_SETUID and CAP_SETGID, nothing more. */
    @Test
    void runsWithOnlyTheCapabilitiesItNeeds() throws IOException {
        PythonCodeSandbox fewerCaps = new PythonCodeSandbox(PYTHON, 1, FEWER_CAPS_UID, PythonCodeSandbox.Settings.DEFAULTS,
                List.of("setpriv", "--bounding-set=-all,+sys_admin,+setuid,+setgid", "--inh-caps=-all", "--"));
        assertEquals(json("[\"3\", \"0\"]"), fewerCaps.run(ADD, "    return a + b\n", "add", TWO_TESTS));

        PythonCodeSandbox noSysAdmin = new PythonCodeSandbox(PYTHON, 1, FEWER_CAPS_UID, PythonCodeSandbox.Settings.DEFAULTS,
                List.of("setpriv", "--bounding-set=-all,+setuid,+setgid", "--inh-caps=-all", "--"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> noSysAdmin.run(ADD, "    return a + b\n", "add", TWO_TESTS));
        assertTrue(e.getMessage().contains("lacks CAP_SYS_ADMIN"), e.getMessage());
    }

    /** Without any privilege, where the host allows unprivileged user namespaces; no cgroup is delegated to it here. */
    @Test
    void runsAsAnUnprivilegedUserInAUserNamespace() throws IOException {
        assumeTrue(unprivilegedUserNamespaces(), "this host does not allow unprivileged user namespaces");
        PythonCodeSandbox unprivileged = new PythonCodeSandbox(PYTHON, 1, USERNS_UID,
                new PythonCodeSandbox.Settings(512L << 20, NO_CGROUP, true),
                List.of("setpriv", "--reuid=" + USERNS_UID, "--regid=" + USERNS_UID, "--clear-groups",
                        "--inh-caps=-all", "--bounding-set=-all", "--"));
        assertEquals(json("[\"3\", \"0\"]"), unprivileged.run(ADD, "    return a + b\n", "add", TWO_TESTS));
        JsonNode result = probe(unprivileged, SYSCALL
                + "    if x == 'uid':\n        return posix.getuid()\n"
                + "    if x == 'passwd':\n        return open('/etc/passwd').read()\n"
                + "    if x == 'userns':\n        return syscall('unshare', 0x10000000)\n"
                + "    return open('/proc/self/status').read().split('CapEff:')[1].split()[0]\n",
                "'uid'", "'passwd'", "'userns'", "'caps'");
        assertEquals(JSON.valueToTree(java.util.Arrays.asList(Integer.toString(USERNS_UID), null, EPERM,
                "0000000000000000")), result);
    }

    /** Without a per-run cgroup the sandbox refuses to run, and says why, unless the operator allowed it. */
    @Test
    void withoutACgroupNothingRunsUnlessAllowed() {
        PythonCodeSandbox refused = new PythonCodeSandbox(PYTHON, 1, FALLBACK_UID,
                new PythonCodeSandbox.Settings(512L << 20, NO_CGROUP, false), List.of());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> refused.run(ADD, "    return a + b\n", "add", TWO_TESTS));
        assertTrue(e.getMessage().contains("evalgate-test-no-such-cgroup")
                && e.getMessage().contains("evalgate.sandbox.allow-without-cgroup"), e.getMessage());
    }

    /** Defence without a cgroup: the child's own filter (threads, but no processes) and RLIMIT_AS, shared by threads. */
    @Test
    void withoutACgroupTheProgramGetsThreadsButNoProcesses() throws IOException {
        PythonCodeSandbox fallback = new PythonCodeSandbox(PYTHON, 1, FALLBACK_UID,
                new PythonCodeSandbox.Settings(SMALL_MEMORY, NO_CGROUP, true), List.of());
        String body = "    import posix, threading\n"
                + "    if x == 'fork':\n        return posix.fork()\n"
                + "    if x == 'spawn':\n        return posix.posix_spawn('/usr/bin/python3', ['python3'], {})\n"
                + "    held = []\n"
                + "    def hold():\n        try:\n            held.append(b'x' * (100 << 20))\n"
                + "        except MemoryError:\n            pass\n"
                + "    threads = [threading.Thread(target=hold) for _ in range(4)]\n"
                + "    [t.start() for t in threads]\n    [t.join() for t in threads]\n"
                + "    return len(held)\n";
        JsonNode result = probe(fallback, body, "'fork'", "'spawn'", "'threads'");
        assertTrue(result.get(0).isNull() && result.get(1).isNull(), "started a process: " + result);
        int held = result.get(2).asInt();
        assertTrue(held >= 1 && held < 4, "threads held " + held + " x 100 MiB");
        assertEquals(json("[\"1000\"]"), probe(fallback, "    return open('/proc/self/oom_score_adj').read().strip()\n",
                "0"));
    }

    /** Debian's switch, Ubuntu's AppArmor restriction, and the general limit. */
    private static boolean unprivilegedUserNamespaces() throws IOException {
        for (String[] sysctl : new String[][] {{"kernel/unprivileged_userns_clone", "0"},
                {"kernel/apparmor_restrict_unprivileged_userns", "1"}, {"user/max_user_namespaces", "0"}}) {
            Path file = Path.of("/proc/sys", sysctl[0]);
            if (Files.exists(file) && Files.readString(file).trim().equals(sysctl[1])) {
                return false;
            }
        }
        return true;
    }

    private static List<String> sandboxProcesses() throws IOException {
        List<String> found = new ArrayList<>();
        for (int uid = FIRST_UID; uid < FIRST_UID + UIDS; uid++) {
            found.addAll(processesOf(uid));
        }
        return found;
    }

    /** The processes running as {@code uid}, by pid and name. */
    private static List<String> processesOf(int uid) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    List<String> status = Files.readAllLines(proc.resolve("status"));
                    boolean ours = status.stream().anyMatch(l -> l.startsWith("Uid:")
                            && Long.parseLong(l.split("\\s+")[1]) == uid);
                    if (ours) {
                        found.add(proc.getFileName() + " " + status.get(0));
                    }
                } catch (IOException | RuntimeException e) {
                    // exited while we looked
                }
            }
        }
        return found;
    }
}
