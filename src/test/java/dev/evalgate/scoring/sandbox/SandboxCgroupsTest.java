package dev.evalgate.scoring.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where per-run cgroups go, decided on a stand-in cgroup file system (plain directories and files, which the kernel's
 * rules are not applied to): cgroup v2 cannot be exercised for real on a host whose controllers are all bound to
 * cgroup v1.
 */
class SandboxCgroupsTest {

    private static final String SELF = Long.toString(ProcessHandle.current().pid());

    @TempDir
    Path root;

    private Path cgroup2(String options) throws IOException {
        Files.writeString(root.resolve("mountinfo"), "41 31 0:38 / " + root.resolve("cg2") + " " + options
                + ",relatime - cgroup2 cgroup2 rw\n");
        return Files.createDirectories(root.resolve("cg2"));
    }

    private Path cgroupDir(Path mount, String name, String controllers, String subtree, String procs)
            throws IOException {
        Path dir = Files.createDirectories(mount.resolve(name));
        Files.writeString(dir.resolve("cgroup.controllers"), controllers + "\n");
        Files.writeString(dir.resolve("cgroup.subtree_control"), subtree + "\n");
        Files.writeString(dir.resolve("cgroup.procs"), procs);
        return dir;
    }

    private SandboxCgroups.Detection detect(Optional<String> cgroup, String membership) throws IOException {
        Files.writeString(root.resolve("cgroup"), membership + "\n");
        return SandboxCgroups.detect(cgroup, root.resolve("mountinfo"), root.resolve("cgroup"));
    }

    @Test
    void cgroupV2GatewayAloneMovesIntoItsLeafAndItsCgroupHoldsTheRuns() throws IOException {
        Path svc = cgroupDir(cgroup2("rw"), "svc", "cpu memory pids", "", SELF + "\n");
        SandboxCgroups.Detection found = detect(Optional.empty(), "0::/svc");
        assertNotNull(found.cgroups(), found.unavailable());
        assertEquals(SELF, Files.readString(svc.resolve("evalgate-gateway/cgroup.procs")));
        assertEquals("+memory +pids", Files.readString(svc.resolve("cgroup.subtree_control")));
        assertEquals("cgroup v2 /svc", found.cgroups().description());

        SandboxCgroups.Run run = found.cgroups().create(256L << 20, 16);
        Path dir = svc.resolve("evalgate-sandbox-" + SELF + "-1");
        assertEquals(List.of("--cgroup", dir.toString()), run.launcherArgs());
        assertEquals("268435456", Files.readString(dir.resolve("memory.max")));
        assertEquals("16", Files.readString(dir.resolve("pids.max")));

        // Later sandboxes of the same gateway, which now lives in the leaf, keep the cgroup it moved out of.
        Files.writeString(svc.resolve("cgroup.subtree_control"), "memory pids\n");
        SandboxCgroups.Detection again = detect(Optional.empty(), "0::/svc/evalgate-gateway");
        assertEquals("cgroup v2 /svc", again.cgroups().description());
        assertFalse(Files.exists(svc.resolve("evalgate-gateway/evalgate-gateway")));
    }

    @Test
    void cgroupV2SharedWithOtherProcessesIsNotTakenOver() throws IOException {
        Path svc = cgroupDir(cgroup2("rw"), "svc", "memory pids", "", "1\n" + SELF + "\n");
        SandboxCgroups.Detection found = detect(Optional.empty(), "0::/svc");
        assertNull(found.cgroups());
        assertTrue(found.unavailable().contains("holds other processes")
                && found.unavailable().contains("evalgate.sandbox.cgroup")
                && found.unavailable().contains("no cgroup v1 memory hierarchy"), found.unavailable());
        assertFalse(Files.exists(svc.resolve("evalgate-gateway")));
    }

    @Test
    void cgroupV2WithoutControllersOrReadOnlyIsUnavailableAndSaysWhy() throws IOException {
        cgroupDir(cgroup2("rw"), "svc", "cpu io", "", SELF);
        assertTrue(detect(Optional.empty(), "0::/svc").unavailable().contains("has no memory and pids controllers"));

        cgroupDir(cgroup2("ro"), "svc", "memory pids", "", SELF);
        assertTrue(detect(Optional.empty(), "0::/svc").unavailable().contains("mounted read-only"));
    }

    @Test
    void aConfiguredDelegatedCgroupIsUsedAsItIs() throws IOException {
        Path mount = cgroup2("rw");
        cgroupDir(mount, "svc", "memory pids", "", SELF);
        cgroupDir(mount, "delegated", "memory pids", "memory pids", "");
        SandboxCgroups.Detection found = detect(Optional.of("/delegated"), "0::/svc");
        assertEquals("cgroup v2 /delegated", found.cgroups().description());
        assertFalse(Files.exists(mount.resolve("svc/evalgate-gateway")), "the gateway moved for nothing");
    }

    @Test
    void cgroupV1UsesTheMemoryAndPidsHierarchies() throws IOException {
        Path memory = Files.createDirectories(root.resolve("memory/gw"));
        Path pids = Files.createDirectories(root.resolve("pids"));
        Files.writeString(root.resolve("mountinfo"),
                "35 31 0:32 / " + root.resolve("memory") + " rw,relatime - cgroup cgroup rw,memory\n"
                        + "39 31 0:36 / " + pids + " rw,relatime - cgroup cgroup rw,pids\n");
        SandboxCgroups.Detection found = detect(Optional.empty(), "8:pids:/\n4:memory:/gw\n0::/");
        assertNotNull(found.cgroups(), found.unavailable());
        SandboxCgroups.Run run = found.cgroups().create(256L << 20, 16);
        String name = "evalgate-sandbox-" + SELF + "-1";
        assertEquals(List.of("--cgroup", memory.resolve(name).toString(), "--cgroup", pids.resolve(name).toString()),
                run.launcherArgs());
    }
}
