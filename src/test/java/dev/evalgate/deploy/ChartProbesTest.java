package dev.evalgate.deploy;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.quarkus.test.junit.QuarkusTest;

/**
 * What the chart's probes, ServiceMonitor and HorizontalPodAutoscaler ask of a pod is what the gateway serves: the
 * paths are requested from the running application, on the port the container declares.
 */
@QuarkusTest
class ChartProbesTest {

    /** The port the packaged gateway listens on: application.properties' (tests run on a free port instead). */
    private static final int HTTP_PORT = applicationPort();

    private static int applicationPort() {
        Properties properties = new Properties();
        try (InputStream in = ChartProbesTest.class.getResourceAsStream("/application.properties")) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Integer.parseInt(properties.getProperty("quarkus.http.port"));
    }

    @Test
    void theProbesAskForPathsTheGatewayServesOnItsPort() {
        for (Shape shape : Shape.values()) {
            Container gateway = HelmChart.release(shape, Map.of()).gatewayContainer();
            List<HTTPGetAction> probes = List.of(gateway.getStartupProbe().getHttpGet(),
                    gateway.getLivenessProbe().getHttpGet(), gateway.getReadinessProbe().getHttpGet());
            for (HTTPGetAction probe : probes) {
                ContainerPort port = gateway.getPorts().stream()
                        .filter(p -> p.getName().equals(probe.getPort().getStrVal())).findFirst().orElseThrow();
                assertEquals(HTTP_PORT, port.getContainerPort(), shape + ": the container port is the gateway's");
                // readiness answers 503 until the engine's warm-up token; then every probe path answers 200
                Awaitility.await().atMost(Duration.ofSeconds(60))
                        .until(() -> given().get(probe.getPath()).statusCode() != 503);
                assertEquals(200, given().get(probe.getPath()).statusCode(), shape + ": " + probe.getPath());
            }
            assertEquals("/q/health/ready", gateway.getReadinessProbe().getHttpGet().getPath(),
                    "readiness is the check that turns false while draining");
            Release release = HelmChart.release(shape, Map.of());
            assertTrue(release.settings().getData().keySet().stream().noneMatch(k -> k.startsWith("QUARKUS_HTTP")),
                    "the chart leaves the gateway's port as it is");
        }
        // the check tells paths apart: the gateway does not answer 200 to any path
        assertTrue(given().get("/q/health/readyz").statusCode() >= 400);
    }

    @Test
    void theServiceMonitorScrapesAndTheAutoscalerReadsSeriesTheGatewayServes() {
        Release gpu = HelmChart.release(Shape.GPU, Map.of());
        String path = gpu.one(ServiceMonitor.class).getSpec().getEndpoints().get(0).getPath();
        String metrics = given().get(path).then().statusCode(200).extract().asString();
        String series = gpu.one(HorizontalPodAutoscaler.class).getSpec().getMetrics().get(0).getPods().getMetric()
                .getName();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith(series + "{") || l.startsWith(series + " ")),
                series + " is not on " + path);
    }
}
