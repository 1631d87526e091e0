package dev.evalgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;

/**
 * {@code k8s/cpu} and {@code k8s/gpu} are the chart rendered with the shapes' values files, for {@code kubectl apply -k}
 * users; they fail this test when they drift from the chart. {@code helm/render-k8s} rewrites them (it runs this test
 * with {@code -Dk8s.regenerate=true}).
 */
class K8sManifestsTest {

    static final Path K8S = Path.of("k8s");
    static final String RENDERED = "evalgate.yaml";
    private static final String REGENERATE = "helm/render-k8s";
    private static final Set<String> KUSTOMIZATION_KEYS = Set.of("apiVersion", "kind", "namespace", "resources",
            "images", "labels");

    @ParameterizedTest
    @EnumSource(value = Shape.class, names = {"CPU", "GPU"})
    void manifestsAreTheChartRenderedWithTheShapesValues(Shape shape) throws IOException {
        Path file = shape.manifestsDir().orElseThrow().resolve(RENDERED);
        String expected = header(shape) + HelmChart.render(shape, Map.of());
        if (Boolean.getBoolean("k8s.regenerate")) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, expected);
        }
        assertTrue(Files.isRegularFile(file), file + " is missing: run " + REGENERATE);
        List<String> want = expected.lines().toList();
        List<String> have = Files.readString(file).lines().toList();
        int line = 0;
        while (line < want.size() && line < have.size() && want.get(line).equals(have.get(line))) {
            line++;
        }
        if (line < want.size() || line < have.size()) {
            fail(file + " differs from the chart at line " + (line + 1) + " (chart: "
                    + (line < want.size() ? "'" + want.get(line) + "'" : "end") + ", file: "
                    + (line < have.size() ? "'" + have.get(line) + "'" : "end") + "): run " + REGENERATE);
        }
        assertEquals(expected, Files.readString(file), "line endings");
    }

    private static String header(Shape shape) {
        return "# Generated from helm/evalgate with " + shape.valuesFile().getFileName() + " (release "
                + HelmChart.RELEASE + ", namespace " + HelmChart.NAMESPACE + ") by " + REGENERATE
                + ": do not edit, change the chart\n";
    }

    /** Every file under k8s/ but the kustomizations parses strictly as typed Kubernetes objects. */
    @Test
    void everyManifestParsesAsTypedKubernetesObjects() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(K8S)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertFalse(files.isEmpty());
        for (Path file : files) {
            assertTrue(file.toString().endsWith(".yaml"), file + ": only YAML belongs in k8s/");
            if (file.getFileName().toString().equals("kustomization.yaml")) {
                continue;
            }
            List<HasMetadata> objects = KubernetesObjects.parse(Files.readString(file), file.toString());
            assertFalse(objects.isEmpty(), file + " holds no object");
        }
    }

    /** Each kustomization lists exactly the files beside it, into the namespace the manifests were rendered for. */
    @ParameterizedTest
    @EnumSource(value = Shape.class, names = {"CPU", "GPU"})
    void theKustomizationAppliesTheManifests(Shape shape) throws IOException {
        Path dir = shape.manifestsDir().orElseThrow();
        Map<?, ?> kustomization = KubernetesObjects.tree(Files.readString(dir.resolve("kustomization.yaml")),
                dir + "/kustomization.yaml");
        assertTrue(KUSTOMIZATION_KEYS.containsAll(kustomization.keySet()), kustomization.keySet().toString());
        assertEquals("kustomize.config.k8s.io/v1beta1", kustomization.get("apiVersion"));
        assertEquals("Kustomization", kustomization.get("kind"));
        assertEquals(HelmChart.NAMESPACE, kustomization.get("namespace"));
        Set<String> listed = Set.copyOf((List<?>) kustomization.get("resources")).stream().map(String::valueOf)
                .collect(Collectors.toSet());
        Set<String> present;
        try (Stream<Path> files = Files.list(dir)) {
            present = files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("kustomization.yaml"))
                    .collect(Collectors.toSet());
        }
        assertEquals(present, listed);
        Namespace namespace = (Namespace) KubernetesObjects.parse(Files.readString(dir.resolve("namespace.yaml")),
                "namespace.yaml").get(0);
        assertEquals(HelmChart.NAMESPACE, namespace.getMetadata().getName());
        // the sandbox's privileged mode (the shapes' default) needs the privileged Pod Security level
        assertEquals("privileged", namespace.getMetadata().getLabels().get("pod-security.kubernetes.io/enforce"));
    }
}
