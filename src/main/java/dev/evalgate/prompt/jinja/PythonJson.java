package dev.evalgate.prompt.jinja;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Python's json.dumps, byte for byte, as Hugging Face's tojson filter calls it. */
final class PythonJson {

    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean ensureAscii;
    private final boolean sortKeys;

    /**
     * Mirrors json.dumps' keywords; {@code indent} is null (single line), a number of spaces or a literal string, and
     * null separators mean Python's defaults, which depend on whether there is an indent.
     */
    PythonJson(Object indent, String itemSeparator, String keySeparator, boolean ensureAscii, boolean sortKeys) {
        if (indent == null) {
            this.indent = null;
        } else if (indent instanceof Number n) {
            this.indent = " ".repeat(Math.max(0, n.intValue()));
        } else {
            this.indent = indent.toString();
        }
        this.itemSeparator = itemSeparator != null ? itemSeparator : (this.indent == null ? ", " : ",");
        this.keySeparator = keySeparator != null ? keySeparator : ": ";
        this.ensureAscii = ensureAscii;
        this.sortKeys = sortKeys;
    }

    String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.toString();
    }

    private void write(StringBuilder out, Object value, int depth) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof CharSequence || value instanceof Character) {
            writeString(out, value.toString());
        } else if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
            out.append(floatJson(((Number) value).doubleValue()));
        } else if (value instanceof Number) {
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            writeObject(out, map, depth);
        } else if (value instanceof Map.Entry<?, ?> entry) {
            writeArray(out, new PythonStr.Tuple(entry.getKey(), entry.getValue()), depth);
        } else if (value instanceof Collection<?> collection) {
            writeArray(out, collection, depth);
        } else if (value instanceof Object[] array) {
            writeArray(out, List.of(array), depth);
        } else {
            throw new ChatTemplateException(
                    "Object of type " + value.getClass().getSimpleName() + " is not JSON serializable");
        }
    }

    private void writeObject(StringBuilder out, Map<?, ?> map, int depth) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<String, Object>> entries = new ArrayList<>(map.size());
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            entries.add(Map.entry(keyString(entry.getKey()), entry.getValue() == null ? NULL : entry.getValue()));
        }
        if (sortKeys) {
            entries.sort(Map.Entry.comparingByKey(Comparator.naturalOrder()));
        }
        out.append('{');
        for (int i = 0; i < entries.size(); i++) {
            out.append(i == 0 ? "" : itemSeparator);
            newline(out, depth + 1);
            writeString(out, entries.get(i).getKey());
            out.append(keySeparator);
            Object v = entries.get(i).getValue();
            write(out, v == NULL ? null : v, depth + 1);
        }
        newline(out, depth);
        out.append('}');
    }

    // Map.entry refuses null values.
    private static final Object NULL = new Object();

    private void writeArray(StringBuilder out, Collection<?> items, int depth) {
        if (items.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        String separator = "";
        for (Object item : items) {
            out.append(separator);
            newline(out, depth + 1);
            write(out, item, depth + 1);
            separator = itemSeparator;
        }
        newline(out, depth);
        out.append(']');
    }

    private void newline(StringBuilder out, int depth) {
        if (indent != null) {
            out.append('\n').append(indent.repeat(depth));
        }
    }

    /** json.dumps coerces non-string keys the way it prints them as values: 1, 1.5, true, null. */
    private static String keyString(Object key) {
        if (key == null) {
            return "null";
        }
        if (key instanceof Boolean b) {
            return b ? "true" : "false";
        }
        if (key instanceof Double || key instanceof Float || key instanceof BigDecimal) {
            return floatJson(((Number) key).doubleValue());
        }
        return key.toString();
    }

    private static String floatJson(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "Infinity" : "-Infinity";
        }
        return PythonStr.floatRepr(value);
    }

    private void writeString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    // ensure_ascii also escapes DEL and beyond, per UTF-16 unit as Python does (surrogate pairs).
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
