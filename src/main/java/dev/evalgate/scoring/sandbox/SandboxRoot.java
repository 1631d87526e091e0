package dev.evalgate.scoring.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The allow-list a sandbox's root is built from: the interpreter, its {@code sys.path} directories, and the shared
 * objects it loads, each with the symbolic links on the way to it; nothing else of the host.
 *
 * @param binds    host paths (real, no symbolic link on the way) bound read-only at the same place
 * @param symlinks links to recreate in the root, path to target as written on the host
 */
record SandboxRoot(List<Path> binds, Map<Path, String> symlinks) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long PROBE_SECONDS = 60;
    private static final int MAX_LINKS = 40;

    /**
     * Asks {@code python} itself what it needs (running {@code probeScript} on the host: the interpreter is the
     * trusted system one, the script is evalgate's), then resolves every path it names.
     *
     * @throws IOException when the interpreter cannot be run or answers nothing usable
     */
    static SandboxRoot probe(Path python, Path probeScript) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(python.toString(), "-I", probeScript.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().clear();
        builder.environment().put("PATH", "/usr/bin:/bin");
        builder.environment().put("LANG", "C.UTF-8");
        builder.environment().put("OMP_NUM_THREADS", "1");
        builder.environment().put("OPENBLAS_NUM_THREADS", "1");
        Process process = builder.start();
        process.getErrorStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        try {
            if (!process.waitFor(PROBE_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException(python + " failed to describe its runtime (exit "
                        + (process.isAlive() ? "none" : process.exitValue()) + ")");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while probing " + python, e);
        }
        JsonNode answer = JSON.readTree(new String(out, StandardCharsets.UTF_8));
        List<Path> seeds = new ArrayList<>();
        seeds.add(python);
        answer.path("path").forEach(p -> seeds.add(Path.of(p.asText())));
        answer.path("libraries").forEach(p -> seeds.add(Path.of(p.asText())));
        if (seeds.size() < 3) {
            throw new IOException(python + " named no standard library or shared objects: " + answer);
        }
        return of(seeds);
    }

    /** The root that holds {@code paths} (absolute), each reachable under the same name as on the host. */
    static SandboxRoot of(List<Path> paths) throws IOException {
        Set<Path> binds = new TreeSet<>();
        Map<Path, String> symlinks = new LinkedHashMap<>();
        for (Path path : paths) {
            resolve(path.toAbsolutePath().normalize(), binds, symlinks, 0);
        }
        // A bind inside another bind, or a link inside one, is already there.
        List<Path> outermost = new ArrayList<>();
        for (Path bind : binds) {
            if (binds.stream().noneMatch(other -> !other.equals(bind) && bind.startsWith(other))) {
                outermost.add(bind);
            }
        }
        symlinks.keySet().removeIf(link -> outermost.stream().anyMatch(link::startsWith));
        return new SandboxRoot(List.copyOf(outermost), Map.copyOf(symlinks));
    }

    /** Walks {@code path} component by component, recording each symbolic link met and binding what it ends at. */
    private static void resolve(Path path, Set<Path> binds, Map<Path, String> symlinks, int depth)
            throws IOException {
        if (depth > MAX_LINKS) {
            throw new IOException("too many levels of symbolic links at " + path);
        }
        Path current = path.getRoot();
        for (int i = 0; i < path.getNameCount(); i++) {
            Path next = current.resolve(path.getName(i));
            if (Files.isSymbolicLink(next)) {
                String target = Files.readSymbolicLink(next).toString();
                symlinks.put(next, target);
                Path resolved = current.resolve(target).normalize();
                Path rest = i + 1 < path.getNameCount() ? path.subpath(i + 1, path.getNameCount()) : null;
                resolve(rest == null ? resolved : resolved.resolve(rest), binds, symlinks, depth + 1);
                return;
            }
            current = next;
        }
        if (!Files.exists(current)) {
            throw new IOException(path + " does not exist");
        }
        binds.add(current);
    }

    /** The launcher's options that build this root. */
    List<String> launcherArgs() {
        List<String> args = new ArrayList<>();
        for (Path bind : binds) {
            args.add("--ro");
            args.add(bind.toString());
        }
        symlinks.forEach((link, target) -> {
            args.add("--symlink");
            args.add(target);
            args.add(link.toString());
        });
        return args;
    }
}
