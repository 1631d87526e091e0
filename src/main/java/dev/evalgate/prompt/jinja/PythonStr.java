package dev.evalgate.prompt.jinja;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.hubspot.jinjava.objects.collections.PyList;

/** Python's str() and repr() of plain Java values, so rendered templates read exactly as under jinja2. */
final class PythonStr {

    /**
     * A Python tuple: unpacks and indexes like a list, prints with parentheses. It is a Jinjava {@link PyList} so
     * that Jinjava keeps it as is instead of re-wrapping it as a plain list.
     */
    static final class Tuple extends PyList {
        Tuple(Object... items) {
            super(Arrays.asList(items.clone()));
        }
    }

    private PythonStr() {}

    static String str(Object value) {
        if (value instanceof CharSequence || value instanceof Character) {
            return value.toString();
        }
        return repr(value);
    }

    static String repr(Object value) {
        StringBuilder out = new StringBuilder();
        appendRepr(out, value);
        return out.toString();
    }

    /** float.__repr__: the shortest digits that round-trip, fixed notation for exponents in [-4, 16). */
    static String floatRepr(double value) {
        if (Double.isNaN(value)) {
            return "nan";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0) {
            return (1 / value < 0) ? "-0.0" : "0.0";
        }
        BigDecimal shortest = shortestRoundTrip(value);
        String digits = shortest.unscaledValue().abs().toString();
        // Decimal exponent of the first digit: value = d.ddd × 10^exponent.
        int exponent = digits.length() - 1 - shortest.scale();
        StringBuilder out = new StringBuilder();
        if (value < 0) {
            out.append('-');
        }
        if (exponent >= -4 && exponent < 16) {
            if (exponent < 0) {
                out.append("0.").append("0".repeat(-exponent - 1)).append(digits);
            } else if (digits.length() <= exponent + 1) {
                out.append(digits).append("0".repeat(exponent + 1 - digits.length())).append(".0");
            } else {
                out.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
            }
        } else {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            out.append('e').append(exponent < 0 ? '-' : '+');
            int magnitude = Math.abs(exponent);
            if (magnitude < 10) {
                out.append('0');
            }
            out.append(magnitude);
        }
        return out.toString();
    }

    // Java 17's Double.toString is not always shortest (JDK-4511638), so search precision upward from the exact
    // binary value; the first correctly rounded candidate that round-trips is what Python's repr prints.
    private static BigDecimal shortestRoundTrip(double value) {
        BigDecimal exact = new BigDecimal(value);
        for (int precision = 1; precision < 17; precision++) {
            BigDecimal candidate = exact.round(new MathContext(precision, RoundingMode.HALF_EVEN));
            if (candidate.doubleValue() == value) {
                return candidate.stripTrailingZeros();
            }
        }
        return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros();
    }

    private static void appendRepr(StringBuilder out, Object value) {
        if (value == null) {
            out.append("None");
        } else if (value instanceof Boolean b) {
            out.append(b ? "True" : "False");
        } else if (value instanceof CharSequence || value instanceof Character) {
            appendStringRepr(out, value.toString());
        } else if (value instanceof Double || value instanceof Float) {
            out.append(floatRepr(((Number) value).doubleValue()));
        } else if (value instanceof BigDecimal d) {
            out.append(floatRepr(d.doubleValue()));
        } else if (value instanceof Number) {
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            String separator = "";
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                out.append(separator);
                appendRepr(out, entry.getKey());
                out.append(": ");
                appendRepr(out, entry.getValue());
                separator = ", ";
            }
            out.append('}');
        } else if (value instanceof Map.Entry<?, ?> entry) {
            appendRepr(out, new Tuple(entry.getKey(), entry.getValue()));
        } else if (value instanceof Tuple tuple) {
            appendItems(out, "(", tuple, tuple.size() == 1 ? ",)" : ")");
        } else if (value instanceof Set<?> set) {
            if (set.isEmpty()) {
                out.append("set()");
            } else {
                appendItems(out, "{", set, "}");
            }
        } else if (value instanceof Collection<?> collection) {
            appendItems(out, "[", collection, "]");
        } else if (value instanceof Object[] array) {
            appendItems(out, "[", List.of(array), "]");
        } else {
            out.append(value);
        }
    }

    private static void appendItems(StringBuilder out, String open, Iterable<?> items, String close) {
        out.append(open);
        Iterator<?> it = items.iterator();
        while (it.hasNext()) {
            appendRepr(out, it.next());
            if (it.hasNext()) {
                out.append(", ");
            }
        }
        out.append(close);
    }

    private static void appendStringRepr(StringBuilder out, String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        out.append(quote);
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c == quote || c == '\\') {
                out.append('\\').appendCodePoint(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (isPrintable(c)) {
                out.appendCodePoint(c);
            } else if (c <= 0xff) {
                out.append(String.format("\\x%02x", c));
            } else if (c <= 0xffff) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.append(String.format("\\U%08x", c));
            }
        }
        out.append(quote);
    }

    /** str.isprintable(): everything but categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs other than the space. */
    private static boolean isPrintable(int c) {
        if (c == ' ') {
            return true;
        }
        switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                    Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR:
                return false;
            default:
                return true;
        }
    }
}
