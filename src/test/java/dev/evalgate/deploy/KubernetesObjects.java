package dev.evalgate.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;

/**
 * Parses YAML documents into fabric8's typed Kubernetes objects, strictly: a kind the chart is not expected to make, an
 * apiVersion other than the one the type is served under, a field the type does not have (fabric8's model would
 * otherwise keep it in {@code additionalProperties}), a duplicate key or a wrong value type all fail.
 */
final class KubernetesObjects {

    /** Every kind the chart and {@code k8s/} may hold, each at exactly one apiVersion. */
    private static final List<Class<? extends HasMetadata>> KINDS = List.of(ConfigMap.class, Service.class,
            ServiceAccount.class, PersistentVolumeClaim.class, Namespace.class, Deployment.class, StatefulSet.class,
            Job.class, HorizontalPodAutoscaler.class, PodDisruptionBudget.class, NetworkPolicy.class,
            ServiceMonitor.class);

    private static final ObjectMapper STRICT = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .configure(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY, true)
            .configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, true)
            .setAnnotationIntrospector(new NoCatchAllIntrospector());

    private KubernetesObjects() {
    }

    /** The objects of a multi-document YAML text (empty documents, such as comment-only ones, are skipped). */
    static List<HasMetadata> parse(String yaml, String source) {
        List<HasMetadata> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = STRICT.readerFor(JsonNode.class).readValues(yaml)) {
            int index = 0;
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                index++;
                if (doc == null || doc.isNull() || doc.isMissingNode() || doc.isEmpty()) {
                    continue;
                }
                objects.add(parseOne(doc, source + " document " + index));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(source + ": " + e.getMessage(), e);
        }
        return objects;
    }

    /** A plain YAML document as a tree (for files that are not Kubernetes objects, such as kustomization.yaml). */
    static Map<?, ?> tree(String yaml, String source) {
        try {
            return STRICT.readValue(yaml, Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(source + ": " + e.getMessage(), e);
        }
    }

    private static HasMetadata parseOne(JsonNode doc, String where) throws IOException {
        String kind = doc.path("kind").asText();
        String apiVersion = doc.path("apiVersion").asText();
        for (Class<? extends HasMetadata> type : KINDS) {
            if (HasMetadata.getKind(type).equals(kind)) {
                String expected = HasMetadata.getApiVersion(type);
                if (!expected.equals(apiVersion)) {
                    throw new IllegalArgumentException(where + ": " + kind + " has apiVersion " + apiVersion
                            + ", expected " + expected);
                }
                try {
                    return STRICT.treeToValue(doc, type);
                } catch (IOException e) {
                    throw new IOException(where + " (" + kind + " " + doc.path("metadata").path("name").asText()
                            + "): " + e.getMessage(), e);
                }
            }
        }
        throw new IllegalArgumentException(where + ": unexpected kind '" + kind + "' (" + apiVersion + ")");
    }

    /** Jackson's annotations without fabric8's catch-all {@code @JsonAnySetter}, so unknown fields fail. */
    private static final class NoCatchAllIntrospector extends JacksonAnnotationIntrospector {
        private static final long serialVersionUID = 1L;

        @Override
        public Boolean hasAnySetter(Annotated a) {
            return Boolean.FALSE;
        }
    }
}
