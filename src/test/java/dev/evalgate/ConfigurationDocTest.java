package dev.evalgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.smallrye.config.WithName;

/** The README's configuration table lists exactly the settings {@link EvalgateConfig} has, with the right env names. */
class ConfigurationDocTest {

    private static final Pattern ROW = Pattern.compile("^\\| `(evalgate\\.[a-z0-9.-]+)` \\| `([A-Z0-9_]+)` \\|", Pattern.MULTILINE);

    @Test
    void readmeTableMatchesTheConfigInterface() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Map<String, String> documented = new TreeMap<>();
        Matcher m = ROW.matcher(readme);
        while (m.find()) {
            documented.put(m.group(1), m.group(2));
        }
        Map<String, String> actual = new TreeMap<>();
        collect(EvalgateConfig.class, "evalgate", actual);
        assertTrue(actual.containsKey("evalgate.engine.llamacpp.model"), actual.toString());
        assertEquals(new TreeSet<>(actual.keySet()), new TreeSet<>(documented.keySet()));
        assertEquals(actual, documented);
    }

    private static void collect(Class<?> type, String prefix, Map<String, String> out) {
        for (Method method : type.getDeclaredMethods()) {
            if (method.isDefault() || method.isSynthetic() || method.getParameterCount() > 0) {
                continue;
            }
            WithName named = method.getAnnotation(WithName.class);
            String name = prefix + "." + (named != null ? named.value() : kebab(method.getName()));
            Class<?> ret = method.getReturnType();
            if (ret.isInterface() && ret.getEnclosingClass() == EvalgateConfig.class) {
                collect(ret, name, out);
            } else {
                out.put(name, name.toUpperCase().replace('.', '_').replace('-', '_'));
            }
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }
}
