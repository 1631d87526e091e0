package dev.evalgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.VolumeMount;

/**
 * The images (src/main/docker) and the chart agree: the user, the data dir, the entrypoint the chart's sandbox mode
 * relies on, and the application they run. The images themselves cannot be built here (no registry for base images).
 */
class ContainerImagesTest {

    private static final Path DOCKER = Path.of("src/main/docker");
    private static final String DATA_DIR = "/var/lib/evalgate";
    private static final String ENTRYPOINT = "/opt/evalgate/entrypoint.sh";

    @Test
    void theCpuImageRunsAsTheChartsNonRootUserWithItsDataDirAsAVolume() throws IOException {
        String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));
        Matcher user = Pattern.compile("(?m)^USER (\\d+)$").matcher(dockerfile);
        assertTrue(user.find(), "the CPU image sets a numeric non-root USER");
        Release off = HelmChart.release(Shape.CPU, Map.of("sandbox.mode", "off"));
        assertEquals(Long.parseLong(user.group(1)), off.gatewayContainer().getSecurityContext().getRunAsUser());
        assertTrue(dockerfile.contains("VOLUME [\"" + DATA_DIR + "\"]"), "the data dir is a volume");
        assertTrue(dockerfile.contains("EVALGATE_DATA_DIR=" + DATA_DIR));
        assertTrue(dockerfile.contains("python3-numpy"), "the code sandbox runs MERA's programs with numpy as np");
    }

    @Test
    void bothImagesStartThroughTheEntrypointTheChartConfigures() throws IOException {
        String entrypoint = Files.readString(DOCKER.resolve("entrypoint.sh"));
        assertTrue(entrypoint.contains("exec java ${JAVA_OPTS:-} -jar /opt/evalgate/app/quarkus-run.jar"));
        for (String name : List.of("Dockerfile", "Dockerfile.trtllm")) {
            String dockerfile = Files.readString(DOCKER.resolve(name));
            assertTrue(dockerfile.contains("COPY --from=build /build/target/quarkus-app /opt/evalgate/app"), name);
            assertTrue(dockerfile.contains("COPY src/main/docker/entrypoint.sh " + ENTRYPOINT), name);
            assertTrue(dockerfile.contains("ENTRYPOINT [\"" + ENTRYPOINT + "\"]"), name);
        }
        // the chart asks the entrypoint for the cgroup remount by the variable it reads
        Container gateway = HelmChart.release(Shape.GPU, Map.of()).gatewayContainer();
        String variable = gateway.getEnv().stream().filter(e -> e.getName().startsWith("CGROUP_")).findFirst()
                .orElseThrow().getName();
        assertTrue(entrypoint.contains("${" + variable + ":-false}"), variable);
        assertTrue(gateway.getVolumeMounts().stream().map(VolumeMount::getMountPath).toList().contains(DATA_DIR));
        assertEquals(DATA_DIR, HelmChart.release(Shape.GPU, Map.of()).settings().getData().get("EVALGATE_DATA_DIR"));
    }
}
