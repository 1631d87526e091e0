package dev.evalgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Volume;

/** The README's "Deploy on Kubernetes" section says what an operator must provide and run. */
class ChartDocumentationTest {

    private static String section;

    @BeforeAll
    static void readTheSection() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("\n## Deploy on Kubernetes\n");
        assertTrue(start >= 0, "README has no '## Deploy on Kubernetes' section");
        int end = readme.indexOf("\n## ", start + 1);
        section = readme.substring(start, end < 0 ? readme.length() : end);
        assertTrue(readme.indexOf("\n## Configuration\n") > start, "the section comes before Configuration");
    }

    /** Every Secret any shape or option reads is named in the section with each key it reads. */
    @Test
    void everySecretReferencedIsDocumented() {
        Set<String> references = new TreeSet<>();
        List<Map<String, Object>> variants = List.of(Map.of(), Map.of("database.mode", "statefulset"),
                Map.of("auth.clientKeysSecret.name", "evalgate-client-keys"));
        for (Shape shape : Shape.values()) {
            for (Map<String, Object> sets : variants) {
                for (PodSpec pod : HelmChart.release(shape, sets).podSpecs()) {
                    references.addAll(secretReferences(pod));
                }
            }
        }
        assertTrue(references.containsAll(Set.of("evalgate-admin/admin-key", "evalgate-db/username",
                "evalgate-db/password", "evalgate-upstream/api-key", "evalgate-client-keys/client-keys")),
                references.toString());
        Set<String> undocumented = new TreeSet<>();
        for (String reference : references) {
            String[] nameKey = reference.split("/");
            boolean documented = section.lines().anyMatch(line -> line.contains("`" + nameKey[0] + "`")
                    && line.contains("`" + nameKey[1] + "`"));
            if (!documented) {
                undocumented.add(reference);
            }
        }
        assertEquals(Set.of(), undocumented, "Secrets (name/key) the README's Deploy on Kubernetes section lacks");
    }

    private static Set<String> secretReferences(PodSpec pod) {
        Set<String> found = new TreeSet<>();
        for (Container c : Release.containersOf(pod)) {
            for (EnvVar env : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
                    SecretKeySelector ref = env.getValueFrom().getSecretKeyRef();
                    found.add(ref.getName() + "/" + ref.getKey());
                }
            }
            for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
                if (from.getSecretRef() != null) {
                    found.add(from.getSecretRef().getName() + "/*");
                }
            }
        }
        for (Volume v : pod.getVolumes() == null ? List.<Volume>of() : pod.getVolumes()) {
            if (v.getSecret() != null) {
                v.getSecret().getItems().forEach(item -> found.add(v.getSecret().getSecretName() + "/" + item.getKey()));
            }
        }
        return found;
    }

    /** What `helm install` prints says where the API and the scoreboard are and which Secrets to create. */
    @Test
    void theInstallNotesSayHowToReachItAndWhatToCreate() {
        for (Shape shape : Shape.values()) {
            String notes = HelmChart.installDryRun(List.of(shape.valuesFile()));
            String base = "http://" + HelmChart.RELEASE + "." + HelmChart.NAMESPACE + ".svc:8080";
            for (String path : List.of("/v1/chat/completions", "/v1/completions", "/v1/evals/runs", "/scoreboard")) {
                assertTrue(notes.contains(base + path), shape + " notes lack " + base + path + ":\n" + notes);
            }
            Set<String> secrets = new TreeSet<>();
            HelmChart.release(shape, Map.of()).podSpecs().forEach(pod -> secrets.addAll(secretReferences(pod)));
            for (String secret : secrets) {
                assertTrue(notes.contains(secret.split("/")[0] + " (key"), shape + " notes lack " + secret);
            }
        }
    }

    @Test
    void itShowsHowToInstallEachShapeAndApplyTheManifests() {
        for (Shape shape : Shape.values()) {
            assertTrue(section.contains("helm install evalgate helm/evalgate") && section.contains("-f helm/evalgate/"
                    + shape.valuesFile().getFileName()), "no helm install with " + shape.valuesFile().getFileName());
            assertTrue(Files.isRegularFile(shape.valuesFile()));
            shape.manifestsDir().ifPresent(dir -> assertTrue(section.contains("kubectl apply -k " + dir),
                    "no kubectl apply -k " + dir));
        }
        assertTrue(section.contains("http://evalgate.evalgate.svc:8080/v1/chat/completions"), "how a harness reaches it");
        assertTrue(section.contains("CAP_SYS_ADMIN"), "why the gateway may run as root");
        assertTrue(section.toLowerCase().contains("could not be exercised"), "what was not tried here");
    }
}
