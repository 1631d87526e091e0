package dev.evalgate.scoring.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

/**
 * Where each sandbox run gets a cgroup of its own that bounds its memory (all its processes and its /tmp, no swap)
 * and its number of processes: a cgroup v2 the gateway may create children in, else the cgroup v1 memory and pids
 * hierarchies. The launcher joins the run's cgroups before it creates anything.
 */
final class SandboxCgroups {

    private static final Logger LOG = Logger.getLogger(SandboxCgroups.class);
    private static final String RUN_PREFIX = "evalgate-sandbox-";
    /** Where the gateway moves itself when its own cgroup v2 must become the sandboxes' parent (no internal processes). */
    private static final String GATEWAY_LEAF = "evalgate-gateway";
    private static final long KILL_WAIT_MILLIS = 2_000;
    private static final long POLL_NANOS = 1_000_000;

    private final boolean v2;
    private final List<Path> parents;
    private final String description;
    private final AtomicLong runs = new AtomicLong();

    private SandboxCgroups(boolean v2, List<Path> parents, String description) {
        this.v2 = v2;
        this.parents = parents;
        this.description = description;
    }

    /** The outcome of looking for cgroups: the place, or why there is none. */
    record Detection(SandboxCgroups cgroups, String unavailable) {
    }

    /**
     * @param cgroup the cgroup under which runs get theirs, as {@code /proc/self/cgroup} names it (the same name in
     *               each v1 hierarchy); empty: the gateway's own
     */
    static Detection detect(Optional<String> cgroup) {
        return detect(cgroup, Path.of("/proc/self/mountinfo"), Path.of("/proc/self/cgroup"));
    }

    /** As {@link #detect(Optional)}, from this process's mount table and cgroup memberships as given. */
    static Detection detect(Optional<String> cgroup, Path mountinfo, Path memberOf) {
        try {
            List<MountInfo> mounts = MountInfo.read(mountinfo);
            List<String> memberships = Files.readAllLines(memberOf);
            List<String> problems = new ArrayList<>();
            SandboxCgroups found = detectV2(mounts, memberships, cgroup, problems);
            if (found == null) {
                found = detectV1(mounts, memberships, cgroup, problems);
            }
            if (found != null) {
                found.removeLeftovers();
                return new Detection(found, null);
            }
            return new Detection(null, String.join("; ", problems));
        } catch (IOException | RuntimeException e) {
            return new Detection(null, "cannot read this process's cgroups: " + e);
        }
    }

    private static SandboxCgroups detectV2(List<MountInfo> mounts, List<String> memberships, Optional<String> cgroup,
            List<String> problems) {
        Optional<MountInfo> mount = mounts.stream().filter(m -> m.type().equals("cgroup2")).findFirst();
        Optional<String> own = memberships.stream().filter(l -> l.startsWith("0::")).map(l -> l.substring(3)).findFirst();
        if (mount.isEmpty() || own.isEmpty()) {
            problems.add("no cgroup v2 is mounted");
            return null;
        }
        // A gateway that moved itself into its leaf (below) keeps using the cgroup it moved out of.
        String self = own.get().endsWith("/" + GATEWAY_LEAF)
                ? own.get().substring(0, own.get().length() - GATEWAY_LEAF.length() - 1) : own.get();
        String name = cgroup.orElse(self.isEmpty() ? "/" : self);
        Optional<Path> dir = mount.get().dirOf(name);
        if (dir.isEmpty() || !Files.isDirectory(dir.get())) {
            problems.add("cgroup v2 " + name + " is not under " + mount.get().point());
            return null;
        }
        Set<String> available = words(dir.get().resolve("cgroup.controllers"));
        if (!available.containsAll(Set.of("memory", "pids"))) {
            problems.add("cgroup v2 " + name + " has no memory and pids controllers (it has: " + available
                    + "; on a host with cgroup v1 hierarchies they are bound there)");
            return null;
        }
        if (mount.get().readOnly()) {
            problems.add("cgroup v2 is mounted read-only at " + mount.get().point()
                    + " (a container's default; it needs a writable cgroup namespace of its own)");
            return null;
        }
        try {
            if (!words(dir.get().resolve("cgroup.subtree_control")).containsAll(Set.of("memory", "pids"))) {
                if (name.equals(own.get())) {
                    // The gateway lives in this cgroup; cgroup v2 allows controllers for children only in a cgroup
                    // without processes, so the gateway moves into a leaf of its own beside the sandboxes.
                    moveSelfIntoLeaf(dir.get());
                }
                Files.writeString(dir.get().resolve("cgroup.subtree_control"), "+memory +pids");
            }
            probeWritable(dir.get());
        } catch (IOException e) {
            problems.add("cannot create cgroups under cgroup v2 " + name + ": " + e.getMessage());
            return null;
        }
        return new SandboxCgroups(true, List.of(dir.get()), "cgroup v2 " + name);
    }

    private static void moveSelfIntoLeaf(Path dir) throws IOException {
        String self = Long.toString(ProcessHandle.current().pid());
        List<String> others = Files.readAllLines(dir.resolve("cgroup.procs")).stream()
                .filter(p -> !p.isBlank() && !p.equals(self)).toList();
        if (!others.isEmpty()) {
            throw new IOException("it holds other processes than the gateway (" + others.size() + ", e.g. pid "
                    + others.get(0) + "); give the gateway a cgroup of its own, or name one in evalgate.sandbox.cgroup");
        }
        Path leaf = dir.resolve(GATEWAY_LEAF);
        if (!Files.isDirectory(leaf)) {
            Files.createDirectory(leaf);
        }
        Files.writeString(leaf.resolve("cgroup.procs"), self);
        LOG.infof("moved the gateway into %s so that its cgroup can hold the code sandboxes' cgroups", leaf);
    }

    private static SandboxCgroups detectV1(List<MountInfo> mounts, List<String> memberships, Optional<String> cgroup,
            List<String> problems) {
        List<Path> parents = new ArrayList<>();
        for (String controller : List.of("memory", "pids")) {
            Optional<MountInfo> mount = mounts.stream()
                    .filter(m -> m.type().equals("cgroup") && m.superOptions().contains(controller)).findFirst();
            Optional<String> own = memberships.stream().map(l -> l.split(":", 3)).filter(f -> f.length == 3
                    && Arrays.asList(f[1].split(",")).contains(controller)).map(f -> f[2]).findFirst();
            if (mount.isEmpty() || own.isEmpty()) {
                problems.add("no cgroup v1 " + controller + " hierarchy is mounted");
                return null;
            }
            String name = cgroup.orElse(own.get());
            Optional<Path> dir = mount.get().dirOf(name);
            if (dir.isEmpty() || !Files.isDirectory(dir.get())) {
                problems.add("cgroup v1 " + controller + ":" + name + " is not under " + mount.get().point());
                return null;
            }
            if (mount.get().readOnly()) {
                problems.add("the cgroup v1 " + controller + " hierarchy is mounted read-only at "
                        + mount.get().point());
                return null;
            }
            try {
                probeWritable(dir.get());
            } catch (IOException e) {
                problems.add("cannot create cgroups in " + dir.get() + ": " + e.getMessage());
                return null;
            }
            if (!parents.contains(dir.get())) {
                parents.add(dir.get());
            }
        }
        return new SandboxCgroups(false, List.copyOf(parents), "cgroup v1 memory and pids under "
                + parents.stream().map(Path::toString).collect(Collectors.joining(" and ")));
    }

    private static void probeWritable(Path parent) throws IOException {
        Path probe = parent.resolve(RUN_PREFIX + ProcessHandle.current().pid() + "-probe");
        Files.createDirectory(probe);
        Files.delete(probe);
    }

    /** Empty run cgroups of gateways that are gone (a killed gateway cannot remove its own). */
    private void removeLeftovers() {
        for (Path parent : parents) {
            try (DirectoryStream<Path> children = Files.newDirectoryStream(parent, RUN_PREFIX + "*")) {
                for (Path child : children) {
                    String[] parts = child.getFileName().toString().substring(RUN_PREFIX.length()).split("-");
                    if (parts.length == 2 && parts[0].matches("\\d+")
                            && ProcessHandle.of(Long.parseLong(parts[0])).isEmpty()) {
                        try {
                            Files.delete(child);
                        } catch (IOException e) {
                            LOG.debugf("left %s: %s", child, e);
                        }
                    }
                }
            } catch (IOException e) {
                LOG.debugf("cannot list %s: %s", parent, e);
            }
        }
    }

    /** What the log says about where the limits come from. */
    String description() {
        return description;
    }

    /**
     * A new cgroup (one per hierarchy) for one run, limited to {@code memoryBytes} without swap and {@code maxPids}
     * processes and threads.
     */
    Run create(long memoryBytes, int maxPids) throws IOException {
        String name = RUN_PREFIX + ProcessHandle.current().pid() + "-" + runs.incrementAndGet();
        List<Path> dirs = new ArrayList<>();
        Run run = new Run(v2, dirs);
        try {
            for (Path parent : parents) {
                Path dir = Files.createDirectory(parent.resolve(name));
                dirs.add(dir);
                if (v2) {
                    Files.writeString(dir.resolve("memory.max"), Long.toString(memoryBytes));
                    writeIfPresent(dir.resolve("memory.swap.max"), "0");
                    // an OOM kill takes the whole sandbox, as the harness loses its child whole
                    writeIfPresent(dir.resolve("memory.oom.group"), "1");
                    Files.writeString(dir.resolve("pids.max"), Integer.toString(maxPids));
                } else {
                    writeIfPresent(dir.resolve("memory.limit_in_bytes"), Long.toString(memoryBytes));
                    // memory and swap together, where swap is accounted (the file exists only then)
                    writeIfPresent(dir.resolve("memory.memsw.limit_in_bytes"), Long.toString(memoryBytes));
                    writeIfPresent(dir.resolve("pids.max"), Integer.toString(maxPids));
                }
            }
            return run;
        } catch (IOException | RuntimeException e) {
            run.close();
            throw e;
        }
    }

    private static void writeIfPresent(Path file, String value) throws IOException {
        if (Files.exists(file)) {
            Files.writeString(file, value);
        }
    }

    private static Set<String> words(Path file) {
        try {
            return Set.of(Files.readString(file).trim().split("\\s+"));
        } catch (IOException e) {
            return Set.of();
        }
    }

    /** One run's cgroups: killing what is left in them and removing them is {@link #close()}. */
    static final class Run implements AutoCloseable {
        private final boolean v2;
        private final List<Path> dirs;

        private Run(boolean v2, List<Path> dirs) {
            this.v2 = v2;
            this.dirs = dirs;
        }

        /** The launcher's options that make it join these cgroups. */
        List<String> launcherArgs() {
            List<String> args = new ArrayList<>();
            dirs.forEach(d -> {
                args.add("--cgroup");
                args.add(d.toString());
            });
            return args;
        }

        /** How many processes the kernel's OOM killer killed in this run (0 if it cannot tell). */
        long oomKills() {
            for (Path dir : dirs) {
                Path events = dir.resolve(v2 ? "memory.events" : "memory.oom_control");
                try {
                    for (String line : Files.readAllLines(events)) {
                        if (line.startsWith("oom_kill ")) {
                            return Long.parseLong(line.substring("oom_kill ".length()).trim());
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // not this hierarchy's file
                }
            }
            return 0;
        }

        @Override
        public void close() {
            long deadline = System.nanoTime() + KILL_WAIT_MILLIS * 1_000_000;
            for (Path dir : dirs) {
                killAll(dir, deadline);
            }
            for (Path dir : dirs) {
                remove(dir, deadline);
            }
        }

        private void killAll(Path dir, long deadline) {
            try {
                Path kill = dir.resolve("cgroup.kill");
                if (v2 && Files.exists(kill)) {
                    Files.writeString(kill, "1");
                }
                List<String> pids;
                while (!(pids = procs(dir)).isEmpty() && System.nanoTime() < deadline) {
                    pids.forEach(p -> ProcessHandle.of(Long.parseLong(p)).ifPresent(ProcessHandle::destroyForcibly));
                    LockSupport.parkNanos(POLL_NANOS);
                }
                if (!pids.isEmpty()) {
                    LOG.warnf("processes %s of code sandbox cgroup %s did not die", pids, dir);
                }
            } catch (IOException e) {
                LOG.warnf("cannot empty code sandbox cgroup %s: %s", dir, e);
            }
        }

        private static List<String> procs(Path dir) throws IOException {
            try {
                return Files.readAllLines(dir.resolve("cgroup.procs"), StandardCharsets.US_ASCII).stream()
                        .filter(l -> !l.isBlank()).toList();
            } catch (NoSuchFileException e) {
                return List.of();
            }
        }

        private static void remove(Path dir, long deadline) {
            while (true) {
                try {
                    Files.deleteIfExists(dir);
                    return;
                } catch (IOException e) {
                    // busy until the last process has left it
                    if (System.nanoTime() > deadline) {
                        LOG.warnf("cannot remove code sandbox cgroup %s: %s", dir, e);
                        return;
                    }
                    LockSupport.parkNanos(POLL_NANOS);
                }
            }
        }
    }

    /** The cgroup mounts of /proc/self/mountinfo. */
    private record MountInfo(String root, Path point, boolean readOnly, String type, Set<String> superOptions) {

        static List<MountInfo> read(Path mountinfo) throws IOException {
            List<MountInfo> mounts = new ArrayList<>();
            for (String line : Files.readAllLines(mountinfo)) {
                // id parent major:minor root mount-point options [optional fields...] - fstype source super-options
                String[] f = line.split(" ");
                int separator = Arrays.asList(f).indexOf("-");
                if (separator < 6 || separator + 1 >= f.length || !f[separator + 1].startsWith("cgroup")) {
                    continue;
                }
                mounts.add(new MountInfo(unescape(f[3]), Path.of(unescape(f[4])),
                        Arrays.asList(f[5].split(",")).contains("ro"), f[separator + 1],
                        separator + 3 < f.length ? Set.of(f[separator + 3].split(",")) : Set.of()));
            }
            return mounts;
        }

        /** The directory of cgroup {@code name} (as /proc/self/cgroup writes it) in this mount, if it shows it. */
        Optional<Path> dirOf(String name) {
            String normalisedRoot = root.equals("/") ? "" : root;
            if (!name.startsWith("/") || !(name.equals(root) || name.startsWith(normalisedRoot + "/"))) {
                return Optional.empty();
            }
            String rest = name.substring(normalisedRoot.length());
            return Optional.of(rest.isEmpty() || rest.equals("/") ? point : point.resolve(rest.substring(1)));
        }

        private static String unescape(String field) {
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
    }
}
