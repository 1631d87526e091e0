package dev.evalgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.evalgate.EvalgateConfig;
import dev.evalgate.ops.ShutdownBudget;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.smallrye.config.WithDefault;

/** The pieces of each rendered shape fit the gateway and each other. */
class ChartPiecesFitTest {

    private static final String GPU = "nvidia.com/gpu";
    /** The capabilities docs/sandbox.md says the sandbox's privileged mode needs, exactly. */
    private static final Set<String> SANDBOX_CAPABILITIES = Set.of("SYS_ADMIN", "SETUID", "SETGID");

    @ParameterizedTest
    @EnumSource(Shape.class)
    void theGracePeriodCoversPreStopDrainAndFlushes(Shape shape) throws Exception {
        assertGraceCoversTheShutdown(HelmChart.release(shape, Map.of()));
    }

    @Test
    void theGracePeriodFollowsTheDrainSetting() throws Exception {
        Release longDrain = HelmChart.release(Shape.GPU, Map.of("shutdown.drainTimeoutSeconds", 120,
                "shutdown.flushTimeoutSeconds", 20));
        assertEquals("120s", longDrain.settings().getData().get("EVALGATE_SHUTDOWN_DRAIN_TIMEOUT"));
        assertGraceCoversTheShutdown(longDrain);
        assertTrue(longDrain.gateway().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds() >= 165);
    }

    private static void assertGraceCoversTheShutdown(Release release) throws Exception {
        PodSpec pod = release.gateway().getSpec().getTemplate().getSpec();
        Container gateway = release.gatewayContainer();
        long preStopSeconds = gateway.getLifecycle().getPreStop().getSleep().getSeconds();
        Duration drain = setting(release, "EVALGATE_SHUTDOWN_DRAIN_TIMEOUT", "drainTimeout");
        Duration flush = setting(release, "EVALGATE_SHUTDOWN_FLUSH_TIMEOUT", "flushTimeout");
        // after SIGTERM: the drain, its stop grace, then scoring's flush and the store's flush, one after the other
        Duration needed = Duration.ofSeconds(preStopSeconds).plus(drain).plus(ShutdownBudget.stopGrace())
                .plus(flush.multipliedBy(2));
        long grace = pod.getTerminationGracePeriodSeconds();
        assertTrue(grace > needed.toSeconds(), "terminationGracePeriodSeconds " + grace + " <= " + needed);
    }

    /** A shutdown setting as the gateway will see it: the ConfigMap's value, else the setting's default. */
    private static Duration setting(Release release, String env, String method) throws Exception {
        String value = release.settings().getData().get(env);
        if (value == null) {
            Method m = EvalgateConfig.Shutdown.class.getMethod(method);
            value = m.getAnnotation(WithDefault.class).value();
        }
        Matcher seconds = Pattern.compile("(\\d+)s").matcher(value);
        assertTrue(seconds.matches(), env + "=" + value);
        return Duration.ofSeconds(Long.parseLong(seconds.group(1)));
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void gpusAreRequestedOnlyInTheGpuShape(Shape shape) {
        Release release = HelmChart.release(shape, Map.of());
        PodSpec pod = release.gateway().getSpec().getTemplate().getSpec();
        if (shape == Shape.GPU) {
            Map<String, Quantity> limits = release.gatewayContainer().getResources().getLimits();
            Map<String, Quantity> requests = release.gatewayContainer().getResources().getRequests();
            assertEquals(8, limits.get(GPU).getNumericalAmount().intValue(), "70B tensor-parallel over 8 GPUs");
            assertEquals(limits.get(GPU), requests.get(GPU));
            assertEquals("NVIDIA-H100-80GB-HBM3", pod.getNodeSelector().get("nvidia.com/gpu.product"));
            assertTrue(pod.getTolerations().stream().anyMatch(t -> GPU.equals(t.getKey())
                    && "NoSchedule".equals(t.getEffect())), pod.getTolerations().toString());
            assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getEmptyDir() != null
                    && "Memory".equals(v.getEmptyDir().getMedium())), "a memory-backed /dev/shm");
            assertTrue(release.gatewayContainer().getVolumeMounts().stream()
                    .anyMatch(m -> m.getMountPath().equals("/dev/shm")));
            assertEquals("trtllm", release.settings().getData().get("EVALGATE_ENGINE"));
        } else {
            for (Container c : release.containers()) {
                assertFalse(quantities(c).containsKey(GPU), shape + " " + c.getName() + " asks for a GPU");
            }
            assertTrue(pod.getNodeSelector() == null || pod.getNodeSelector().keySet().stream()
                    .noneMatch(k -> k.startsWith("nvidia.com/")), String.valueOf(pod.getNodeSelector()));
        }
    }

    private static Map<String, Quantity> quantities(Container c) {
        Map<String, Quantity> all = new HashMap<>();
        if (c.getResources() != null) {
            Optional.ofNullable(c.getResources().getRequests()).ifPresent(all::putAll);
            Optional.ofNullable(c.getResources().getLimits()).ifPresent(all::putAll);
        }
        return all;
    }

    /**
     * No container is privileged; every one drops all capabilities, has a read-only root file system and a seccomp
     * profile; only the gateway in the sandbox's privileged mode runs as root, with exactly the sandbox's capabilities,
     * and only the sandbox's modes leave seccomp unconfined (values.yaml and the README say why).
     */
    @Test
    void noContainerRunsPrivilegedOrAsRootExceptTheSandboxsStatedMode() {
        List<String> problems = new ArrayList<>();
        for (Shape shape : Shape.values()) {
            for (String mode : List.of("privileged", "unprivileged", "off")) {
                Release release = HelmChart.release(shape, Map.of("sandbox.mode", mode,
                        "database.mode", "statefulset", "engineBuild.enabled", shape == Shape.GPU));
                for (PodSpec pod : release.podSpecs()) {
                    for (Container c : Release.containersOf(pod)) {
                        checkContainer(problems, shape + "/" + mode + "/" + c.getName() + ": ", pod, c, mode);
                    }
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    private static void checkContainer(List<String> problems, String where, PodSpec pod, Container c, String mode) {
        SecurityContext sc = c.getSecurityContext();
        if (sc == null) {
            problems.add(where + "no security context");
            return;
        }
        PodSecurityContext podContext = pod.getSecurityContext() == null ? new PodSecurityContext()
                : pod.getSecurityContext();
        // the container's setting wins over the pod's; a runAsUser set nowhere is the image's (ours: 10001, but an
        // image may be root), so it counts as root
        Long user = sc.getRunAsUser() != null ? sc.getRunAsUser() : podContext.getRunAsUser();
        Boolean nonRoot = sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot() : podContext.getRunAsNonRoot();
        boolean sandboxed = c.getName().equals("evalgate");
        boolean root = user == null || user == 0 || !Boolean.TRUE.equals(nonRoot);
        Capabilities caps = sc.getCapabilities() == null ? new Capabilities() : sc.getCapabilities();
        List<String> added = caps.getAdd() == null ? List.of() : caps.getAdd();
        check(problems, where + "privileged", !Boolean.TRUE.equals(sc.getPrivileged()));
        check(problems, where + "drops ALL", List.of("ALL").equals(caps.getDrop()));
        check(problems, where + "read-only root", Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem()));
        if (sandboxed && mode.equals("privileged")) {
            check(problems, where + "root for the sandbox", Long.valueOf(0).equals(user));
            check(problems, where + "sandbox capabilities", Set.copyOf(added).equals(SANDBOX_CAPABILITIES)
                    && added.size() == 3);
            // Kubernetes refuses allowPrivilegeEscalation: false together with CAP_SYS_ADMIN
            check(problems, where + "escalation", !Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation()));
        } else {
            check(problems, where + "root", !root);
            check(problems, where + "capabilities added " + added, added.isEmpty());
            check(problems, where + "escalation", Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation()));
        }
        SeccompProfile profile = sc.getSeccompProfile() != null ? sc.getSeccompProfile() : podContext.getSeccompProfile();
        String seccomp = profile == null ? "none" : profile.getType();
        check(problems, where + "seccomp " + seccomp, seccomp.equals("RuntimeDefault")
                || (sandboxed && !mode.equals("off") && seccomp.equals("Unconfined")));
    }

    private static void check(List<String> problems, String what, boolean ok) {
        if (!ok) {
            problems.add(what);
        }
    }

    /** Every evalgate or Quarkus setting the chart gives the gateway is one of the README's settings. */
    @ParameterizedTest
    @EnumSource(Shape.class)
    void everySettingTheChartSetsIsARealSetting(Shape shape) throws IOException {
        Set<String> documented = new TreeSet<>();
        Matcher row = Pattern.compile("^\\| `[a-z0-9.\\-]+` \\| `([A-Z0-9_]+)` \\|", Pattern.MULTILINE)
                .matcher(Files.readString(Path.of("README.md")));
        while (row.find()) {
            documented.add(row.group(1));
        }
        Release release = HelmChart.release(shape, Map.of("auth.clientKeysSecret.name", "evalgate-client-keys",
                "chatTemplate", "x", "sandbox.mode", "unprivileged"));
        Set<String> set = new TreeSet<>(release.settings().getData().keySet());
        release.gatewayContainer().getEnv().stream().map(EnvVar::getName).forEach(set::add);
        set.removeIf(name -> !name.startsWith("EVALGATE_") && !name.startsWith("QUARKUS_"));
        assertFalse(set.isEmpty());
        set.removeAll(documented);
        assertEquals(Set.of(), set, "settings the README's configuration table does not have");
    }

    /** Service, PodDisruptionBudget, NetworkPolicy, ServiceMonitor and HPA all point at the gateway's pods and port. */
    @ParameterizedTest
    @EnumSource(Shape.class)
    void theServiceMonitorServiceAndPoliciesSelectTheGateway(Shape shape) {
        Release release = HelmChart.release(shape, Map.of("database.mode", "statefulset", "serviceMonitor.enabled",
                true, "persistence.enabled", false));
        Deployment deployment = release.gateway();
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        assertTrue(podLabels.entrySet().containsAll(deployment.getSpec().getSelector().getMatchLabels().entrySet()));
        Service service = release.all(Service.class).stream()
                .filter(s -> s.getMetadata().getName().equals(HelmChart.RELEASE)).findFirst().orElseThrow();
        assertTrue(podLabels.entrySet().containsAll(service.getSpec().getSelector().entrySet()));
        String portName = service.getSpec().getPorts().get(0).getTargetPort().getStrVal();
        assertTrue(release.gatewayContainer().getPorts().stream().anyMatch(p -> p.getName().equals(portName)));
        assertEquals(8080, service.getSpec().getPorts().get(0).getPort(), "the port the README's harness URLs use");

        assertTrue(podLabels.entrySet().containsAll(release.one(PodDisruptionBudget.class).getSpec().getSelector()
                .getMatchLabels().entrySet()));
        NetworkPolicy gatewayPolicy = release.all(NetworkPolicy.class).stream()
                .filter(p -> p.getMetadata().getName().equals(HelmChart.RELEASE)).findFirst().orElseThrow();
        assertTrue(podLabels.entrySet().containsAll(gatewayPolicy.getSpec().getPodSelector().getMatchLabels()
                .entrySet()));
        assertEquals(portName, gatewayPolicy.getSpec().getIngress().get(0).getPorts().get(0).getPort().getStrVal());

        ServiceMonitor monitor = release.one(ServiceMonitor.class);
        assertTrue(service.getMetadata().getLabels().entrySet().containsAll(monitor.getSpec().getSelector()
                .getMatchLabels().entrySet()), "the ServiceMonitor selects the gateway's Service");
        assertEquals(service.getSpec().getPorts().get(0).getName(), monitor.getSpec().getEndpoints().get(0).getPort());
        // the trial PostgreSQL's pods are not the gateway's
        release.all(StatefulSet.class).forEach(s -> assertFalse(
                s.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                        .containsAll(service.getSpec().getSelector().entrySet()), "PostgreSQL behind the gateway's Service"));
        if (shape != Shape.CPU) {
            HorizontalPodAutoscaler hpa = release.one(HorizontalPodAutoscaler.class);
            assertEquals(deployment.getMetadata().getName(), hpa.getSpec().getScaleTargetRef().getName());
            assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
        }
    }
}
