package dev.evalgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/** The checks' parser fails where fabric8's default reading would quietly keep what Kubernetes would reject. */
class StrictParsingTest {

    private static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: x
            spec:
              %s: 2
              selector:
                matchLabels: {app: x}
              template:
                metadata:
                  labels: {app: x}
                spec:
                  containers:
                    - name: x
                      image: x
            """;

    @Test
    void aValidObjectParsesAsItsType() {
        List<HasMetadata> objects = KubernetesObjects.parse("---\n# a comment only\n---\n"
                + DEPLOYMENT.formatted("replicas"), "test");
        assertEquals(1, objects.size());
        assertEquals(2, ((Deployment) objects.get(0)).getSpec().getReplicas());
    }

    @Test
    void anUnknownFieldFails() {
        Exception e = assertThrows(RuntimeException.class,
                () -> KubernetesObjects.parse(DEPLOYMENT.formatted("replica"), "test"));
        assertTrue(e.getMessage().contains("replica"), e.getMessage());
    }

    @Test
    void aWrongApiVersionOrKindFails() {
        assertThrows(RuntimeException.class, () -> KubernetesObjects.parse(
                DEPLOYMENT.formatted("replicas").replace("apps/v1", "extensions/v1beta1"), "test"));
        assertThrows(RuntimeException.class, () -> KubernetesObjects.parse(
                DEPLOYMENT.formatted("replicas").replace("kind: Deployment", "kind: DaemonSet"), "test"));
    }

    @Test
    void aDuplicateKeyOrAWrongTypeFails() {
        assertThrows(RuntimeException.class, () -> KubernetesObjects.parse(
                DEPLOYMENT.formatted("replicas") + "  replicas: 3\n", "test"));
        assertThrows(RuntimeException.class, () -> KubernetesObjects.parse(
                DEPLOYMENT.formatted("replicas").replace("replicas: 2", "replicas: [2]"), "test"));
    }
}
