package dev.evalgate.deploy;

import java.nio.file.Path;
import java.util.Optional;

/** The chart's three shapes, each an example values file in the chart folder; cpu and gpu are also in {@code k8s/}. */
enum Shape {
    CPU("values-cpu.yaml", "k8s/cpu"),
    GPU("values-gpu.yaml", "k8s/gpu"),
    UPSTREAM("values-upstream.yaml", null);

    private final String valuesFile;
    private final String manifestsDir;

    Shape(String valuesFile, String manifestsDir) {
        this.valuesFile = valuesFile;
        this.manifestsDir = manifestsDir;
    }

    Path valuesFile() {
        return HelmChart.CHART.resolve(valuesFile);
    }

    /** Where the plain manifests of this shape are kept, if they are. */
    Optional<Path> manifestsDir() {
        return Optional.ofNullable(manifestsDir).map(Path::of);
    }

    @Override
    public String toString() {
        return name().toLowerCase();
    }
}
