package dev.evalgate.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code --name value} command-line options, enough for tools that bench/run starts. */
final class BenchArgs {

    private BenchArgs() {
    }

    /** Parses the options after the first {@code skip} positional arguments. */
    static Map<String, String> parse(String[] argv, int skip) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = skip; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("expected --name value, got: " + a);
            }
            out.put(a.substring(2), argv[++i]);
        }
        return out;
    }

    static String required(Map<String, String> args, String name) {
        String v = args.get(name);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return v;
    }

    static int intArg(Map<String, String> args, String name, int dflt) {
        String v = args.get(name);
        return v == null ? dflt : Integer.parseInt(v);
    }

    static double doubleArg(Map<String, String> args, String name, double dflt) {
        String v = args.get(name);
        return v == null ? dflt : Double.parseDouble(v);
    }
}
