package dev.evalgate.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/** The typed objects one rendering of the chart made, with the views the checks need. */
record Release(List<HasMetadata> objects) {

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type) {
        List<T> found = all(type);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + type.getSimpleName() + ", found " + found.size() + ": "
                    + objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName())
                            .collect(Collectors.joining(", ")));
        }
        return found.get(0);
    }

    Deployment gateway() {
        return one(Deployment.class);
    }

    Container gatewayContainer() {
        return gateway().getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals("evalgate")).findFirst().orElseThrow();
    }

    /** The gateway's ConfigMap of settings (named as the release). */
    ConfigMap settings() {
        return all(ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals(HelmChart.RELEASE))
                .findFirst().orElseThrow();
    }

    /** Every pod template's spec: the gateway, the trial PostgreSQL, the engine build. */
    List<PodSpec> podSpecs() {
        List<PodSpec> specs = new ArrayList<>();
        all(Deployment.class).forEach(d -> specs.add(d.getSpec().getTemplate().getSpec()));
        all(StatefulSet.class).forEach(s -> specs.add(s.getSpec().getTemplate().getSpec()));
        all(Job.class).forEach(j -> specs.add(j.getSpec().getTemplate().getSpec()));
        return specs;
    }

    /** Every container, init containers included. */
    List<Container> containers() {
        return podSpecs().stream().flatMap(spec -> containersOf(spec).stream()).toList();
    }

    /** A pod's containers, init containers included. */
    static List<Container> containersOf(PodSpec spec) {
        List<Container> containers = new ArrayList<>(spec.getContainers());
        if (spec.getInitContainers() != null) {
            containers.addAll(spec.getInitContainers());
        }
        return containers;
    }
}
