package dev.evalgate;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged gateway as a process of its own, started as users start it ({@code java -jar
 * target/quarkus-app/quarkus-run.jar}) and stopped as Kubernetes stops it (SIGTERM), or killed (SIGKILL), so that tests
 * can restart it, kill it or run several side by side. Its output goes to {@code gateway.log} in its data dir. It
 * has the test profile's admin key ({@link TestAdmin}); {@code settings} come after it and may replace it.
 */
public final class GatewayProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Process process;
    private final String baseUri;
    private final Path log;

    private GatewayProcess(Process process, String baseUri, Path log) {
        this.process = process;
        this.baseUri = baseUri;
        this.log = log;
    }

    /**
     * Starts a gateway with {@code engine} ({@code evalgate.engine}) on a free port with the given data dir and
     * settings; waits for /health.
     */
    public static GatewayProcess start(Path dataDir, String engine, Map<String, String> settings) throws IOException {
        GatewayProcess gateway = launch(dataDir, engine, settings);
        gateway.awaitHealthy();
        return gateway;
    }

    /** Starts a gateway as {@link #start} does, without waiting: several can then start side by side. */
    public static GatewayProcess launch(Path dataDir, String engine, Map<String, String> settings) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.createDirectories(dataDir);
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Dquarkus.http.port=" + port);
        command.add("-Dquarkus.http.host=127.0.0.1");
        command.add("-Devalgate.engine=" + engine);
        command.add("-Devalgate.data-dir=" + dataDir.toAbsolutePath());
        command.add("-Devalgate.auth.admin-key=" + TestAdmin.KEY);
        settings.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString());
        Path log = dataDir.resolve("gateway.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new GatewayProcess(process, "http://127.0.0.1:" + port, log);
    }

    /** Waits until its /health answers 200; kills it and fails if it exits or does not get there in 90 s. */
    public void awaitHealthy() {
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the gateway exited with " + process.exitValue() + "; see " + log);
                }
                return healthy();
            });
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public String baseUri() {
        return baseUri;
    }

    private boolean healthy() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(baseUri + "/health")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * SIGTERM, then waits for the JVM to exit; fails unless Quarkus shut down in order (scoring and the store finish in
     * its shutdown). The JVM's exit code after SIGTERM is 143 however cleanly it stopped.
     */
    public void stop() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("the gateway did not stop within 60 s; see " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!log().contains("evalgate stopped in")) {
            throw new IllegalStateException("the gateway did not shut down in order (exit " + process.exitValue()
                    + "); see " + log);
        }
    }

    /** SIGKILL, as when the machine or the OOM killer takes it: nothing of it runs after; waits for it to be gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the gateway did not die within 30 s of SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
