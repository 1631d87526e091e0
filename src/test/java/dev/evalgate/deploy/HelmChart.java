package dev.evalgate.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;

/**
 * The chart {@code helm/evalgate}, linted and rendered by Helm itself: helm-java runs Helm's Go code in the test JVM
 * (a native library shipped in a Maven jar), so no helm binary and no cluster are needed.
 */
final class HelmChart {

    static final Path CHART = Path.of("helm/evalgate");
    /** The release and namespace the plain manifests in {@code k8s/} are rendered for. */
    static final String RELEASE = "evalgate";
    static final String NAMESPACE = "evalgate";
    /** The Kubernetes version rendered for (the chart's kubeVersion asks for 1.30 or later). */
    static final String KUBE_VERSION = "1.33.0";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private HelmChart() {
    }

    /** {@code helm template} with a shape's values file and further {@code --set} values. */
    static String render(Shape shape, Map<String, Object> sets) {
        return render(List.of(shape.valuesFile()), sets);
    }

    /** {@code helm template} with the given values files, in order, and {@code --set} values. */
    static String render(List<Path> valuesFiles, Map<String, Object> sets) {
        TemplateCommand template = new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        for (Path file : valuesFiles) {
            template = template.withValuesFile(file.toAbsolutePath());
        }
        for (Map.Entry<String, Object> set : sets.entrySet()) {
            template = template.set(set.getKey(), set.getValue());
        }
        return template.call();
    }

    /**
     * {@code helm install --dry-run} without a cluster (Helm's client-only mode): the install path itself, values
     * schema included; returns what Helm prints, the chart's NOTES.txt among it.
     */
    static String installDryRun(List<Path> valuesFiles) {
        InstallCommand install = new Helm(CHART).install().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION).dryRun().clientOnly();
        for (Path file : valuesFiles) {
            install = install.withValuesFile(file.toAbsolutePath());
        }
        return install.call().getOutput();
    }

    /** A shape's objects, parsed strictly. */
    static Release release(Shape shape, Map<String, Object> sets) {
        return new Release(KubernetesObjects.parse(render(shape, sets), shape + " " + sets));
    }

    /**
     * {@code helm lint --strict} of the chart as a shape installs it. Helm's lint reads the chart's own values.yaml
     * only, so it lints a copy whose values.yaml is the shape's file merged over the defaults the way Helm merges
     * values files (maps key by key, anything else replaced, null removes).
     */
    static LintResult lint(Shape shape, Path workDir) {
        try {
            Path copy = workDir.resolve("evalgate");
            try (Stream<Path> files = Files.walk(CHART)) {
                for (Path source : (Iterable<Path>) files::iterator) {
                    Path target = copy.resolve(CHART.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(source, target);
                    }
                }
            }
            Map<String, Object> merged = merge(readYaml(CHART.resolve("values.yaml")), readYaml(shape.valuesFile()));
            YAML.writeValue(copy.resolve("values.yaml").toFile(), merged);
            return new Helm(copy).lint().strict().call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readYaml(Path file) throws IOException {
        Map<String, Object> values = YAML.readValue(file.toFile(), Map.class);
        return values == null ? new LinkedHashMap<>() : values;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> overlay) {
        Map<String, Object> merged = new LinkedHashMap<>(base);
        for (Map.Entry<String, Object> entry : overlay.entrySet()) {
            Object under = merged.get(entry.getKey());
            Object over = entry.getValue();
            if (over == null) {
                merged.remove(entry.getKey());
            } else if (under instanceof Map && over instanceof Map) {
                merged.put(entry.getKey(), merge((Map<String, Object>) under, (Map<String, Object>) over));
            } else {
                merged.put(entry.getKey(), over);
            }
        }
        return merged;
    }
}
