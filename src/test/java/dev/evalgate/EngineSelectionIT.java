package dev.evalgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The packaged gateway started with an engine it does not have: it stops at once, saying in one line what it has. */
class EngineSelectionIT {

    @Test
    void anUnknownEngineStopsStartupWithOneLineNamingTheValidOnes() throws Exception {
        Path dataDir = Files.createTempDirectory(Path.of("target"), "engine-selection");
        ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-Dquarkus.http.port=0", "-jar", Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString())
                .redirectErrorStream(true);
        builder.environment().put("EVALGATE_ENGINE", "nonsense");
        builder.environment().put("EVALGATE_DATA_DIR", dataDir.toAbsolutePath().toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, process.exitValue(), output);
        assertEquals(List.of("evalgate.engine=nonsense is not an engine of this build; valid engines: llamacpp, synthetic, upstream"),
                output.lines().toList());
    }
}
