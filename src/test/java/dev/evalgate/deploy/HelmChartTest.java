package dev.evalgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.marcnuri.helm.LintResult;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * The chart lints cleanly and renders in every shape into objects that parse as typed Kubernetes objects, and its
 * values are checked: a misspelt or impossible value fails the render, as it fails {@code helm install}.
 */
class HelmChartTest {

    @ParameterizedTest
    @EnumSource(Shape.class)
    void lintsStrictlyInEveryShape(Shape shape, @TempDir Path work) {
        LintResult lint = HelmChart.lint(shape, work);
        assertFalse(lint.isFailed(), lint.getMessages().toString());
        assertTrue(lint.getMessages().stream().noneMatch(m -> m.startsWith("[WARNING]") || m.startsWith("[ERROR]")),
                lint.getMessages().toString());
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void rendersEveryShapeAsStrictlyTypedObjects(Shape shape) {
        Release release = HelmChart.release(shape, Map.of());
        Set<String> kinds = release.objects().stream().map(HasMetadata::getKind).collect(Collectors.toSet());
        assertTrue(kinds.containsAll(Set.of("Deployment", "Service", "ConfigMap", "ServiceAccount",
                "PodDisruptionBudget", "NetworkPolicy")), kinds.toString());
        switch (shape) {
            case CPU -> assertEquals(Set.of("Deployment", "Service", "ConfigMap", "ServiceAccount", "PodDisruptionBudget",
                    "NetworkPolicy", "PersistentVolumeClaim"), kinds, "cpu: one gateway with its journal on a volume");
            case GPU, UPSTREAM -> assertTrue(kinds.containsAll(Set.of("HorizontalPodAutoscaler", "ServiceMonitor")),
                    kinds.toString());
        }
    }

    /** The optional parts, switched on, render as typed objects too. */
    @Test
    void optionalPartsRenderAsStrictlyTypedObjects() {
        Release trial = HelmChart.release(Shape.CPU, Map.of("database.mode", "statefulset", "replicaCount", 2,
                "persistence.enabled", false, "auth.clientKeysSecret.name", "evalgate-client-keys",
                "chatTemplate", "{{ messages }}", "serviceMonitor.enabled", true, "autoscaling.enabled", true));
        assertEquals(1, trial.all(StatefulSet.class).size());
        assertEquals("postgresql://evalgate-postgresql:5432/evalgate",
                trial.settings().getData().get("QUARKUS_DATASOURCE_REACTIVE_URL"));
        assertEquals("/etc/evalgate/template/chat_template.jinja",
                trial.settings().getData().get("EVALGATE_CHAT_TEMPLATE"));

        Release build = HelmChart.release(Shape.GPU, Map.of("engineBuild.enabled", true));
        Job job = build.one(Job.class);
        assertEquals(8, job.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits()
                .get("nvidia.com/gpu").getNumericalAmount().intValue());
        assertEquals("wait-for-engine",
                build.gateway().getSpec().getTemplate().getSpec().getInitContainers().get(0).getName());

        Release fromImage = HelmChart.release(Shape.GPU, Map.of("engineVolume.claimName", "",
                "engineVolume.image", "registry.example/engines/llama-3.1-70b-fp8-tp8:1"));
        assertEquals("registry.example/engines/llama-3.1-70b-fp8-tp8:1", fromImage.gateway().getSpec().getTemplate()
                .getSpec().getVolumes().stream().filter(v -> v.getName().equals("engines")).findFirst().orElseThrow()
                .getImage().getReference());
    }

    @Test
    void theSchemaRejectsAMisspeltValue(@TempDir Path dir) throws Exception {
        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, "engine:\n  kind: llamacpp\n  llamacpp:\n    paralel: 8\n");
        Exception e = assertThrows(Exception.class,
                () -> HelmChart.render(List.of(Shape.CPU.valuesFile(), typo), Map.of()));
        assertTrue(e.getMessage().contains("paralel"), e.getMessage());

        Exception topLevel = assertThrows(Exception.class, () -> HelmChart.render(Shape.CPU, Map.of("replicas", 2)));
        assertTrue(topLevel.getMessage().contains("replicas"), topLevel.getMessage());

        Exception badEnum = assertThrows(Exception.class,
                () -> HelmChart.render(Shape.GPU, Map.of("engine.kind", "trt-llm")));
        assertTrue(badEnum.getMessage().contains("engine"), badEnum.getMessage());
        // the same values spelt right render
        HelmChart.render(Shape.CPU, Map.of("engine.llamacpp.parallel", 8, "replicaCount", 1));
    }

    @Test
    void aMisspeltValueFailsHelmInstall(@TempDir Path dir) throws Exception {
        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, "sandbox:\n  mode: privileged\nautoscalling:\n  enabled: true\n");
        Exception e = assertThrows(Exception.class,
                () -> HelmChart.installDryRun(List.of(Shape.UPSTREAM.valuesFile(), typo)));
        assertTrue(e.getMessage().contains("autoscalling"), e.getMessage());
        assertTrue(HelmChart.installDryRun(List.of(Shape.UPSTREAM.valuesFile())).contains("STATUS: pending-install"));
    }

    @Test
    void valuesThatCannotWorkTogetherFailTheRender() {
        Map<Map<String, Object>, String> cases = Map.of(
                Map.of("replicaCount", 2), "needs PostgreSQL",
                Map.of("autoscaling.enabled", true), "needs PostgreSQL",
                Map.of("engine.kind", "trtllm", "engine.trtllm.engineDir", "/engines/x"), "needs GPUs",
                Map.of("engine.kind", "upstream"), "engine.upstream.urls is required",
                Map.of("database.mode", "external"), "database.url is required");
        Set<String> failures = new TreeSet<>();
        cases.forEach((sets, message) -> {
            Exception e = assertThrows(Exception.class, () -> HelmChart.render(Shape.CPU, sets), sets.toString());
            if (!e.getMessage().contains(message)) {
                failures.add(sets + ": " + e.getMessage());
            }
        });
        assertTrue(failures.isEmpty(), failures.toString());
    }
}
