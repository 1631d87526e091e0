package dev.evalgate.prompt.jinja;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.evalgate.python.PythonText;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's str methods ({@code content.startswith('x')}, {@code .split()}, {@code .strip()}, ...) on Java strings.
 * Chat templates call them freely; Jinjava would otherwise call the Java method of the same name (regex split,
 * Java whitespace) or fail to find one.
 */
final class PythonStringMethods extends ELResolver {

    private static final Set<String> METHODS = Set.of("startswith", "endswith", "strip", "lstrip", "rstrip", "split",
            "rsplit", "splitlines", "lower", "upper", "title", "capitalize", "replace", "find", "count", "join");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || !(method instanceof String name) || !METHODS.contains(name)) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(s, name, args);
        context.setPropertyResolved(true);
        return result;
    }

    private static Object call(String s, String name, Object[] args) {
        return switch (name) {
            case "startswith" -> affix(s, args, true);
            case "endswith" -> affix(s, args, false);
            case "strip" -> PythonText.strip(s, chars(args));
            case "lstrip" -> PythonText.lstrip(s, chars(args));
            case "rstrip" -> PythonText.rstrip(s, chars(args));
            case "split" -> split(s, separator(args), maxsplit(args));
            case "rsplit" -> rsplit(s, separator(args), maxsplit(args));
            case "splitlines" -> splitlines(s, args.length > 0 && Boolean.TRUE.equals(args[0]));
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, s.offsetByCodePoints(0, 1)).toUpperCase(Locale.ROOT)
                            + s.substring(s.offsetByCodePoints(0, 1)).toLowerCase(Locale.ROOT);
            case "replace" -> replace(s, str(args, 0), str(args, 1), args.length > 2 ? toInt(args[2]) : -1);
            case "find" -> (long) s.indexOf(str(args, 0));
            case "count" -> count(s, str(args, 0));
            case "join" -> join(s, args.length > 0 ? args[0] : null);
            default -> throw new IllegalStateException(name);
        };
    }

    /** startswith/endswith take a string or a tuple of alternatives. */
    private static boolean affix(String s, Object[] args, boolean prefix) {
        Object wanted = args.length > 0 ? args[0] : null;
        Iterable<?> options = wanted instanceof Iterable<?> it ? it : List.of(String.valueOf(wanted));
        for (Object option : options) {
            String o = String.valueOf(option);
            if (prefix ? s.startsWith(o) : s.endsWith(o)) {
                return true;
            }
        }
        return false;
    }

    private static String chars(Object[] args) {
        return args.length > 0 && args[0] != null ? args[0].toString() : null;
    }

    private static String separator(Object[] args) {
        String sep = args.length > 0 && args[0] != null ? args[0].toString() : null;
        if (sep != null && sep.isEmpty()) {
            throw new ChatTemplateException("empty separator");
        }
        return sep;
    }

    private static int maxsplit(Object[] args) {
        return args.length > 1 && args[1] != null ? toInt(args[1]) : -1;
    }

    private static String str(Object[] args, int index) {
        return index < args.length ? PythonStr.str(args[index]) : "";
    }

    private static int toInt(Object value) {
        return value instanceof Number n ? n.intValue() : Integer.parseInt(value.toString());
    }

    private static List<String> split(String s, String sep, int maxsplit) {
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && PythonText.isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= s.length()) {
                    break;
                }
                if (maxsplit >= 0 && parts.size() == maxsplit) {
                    parts.add(s.substring(i));
                    break;
                }
                int start = i;
                while (i < s.length() && !PythonText.isSpace(s.charAt(i))) {
                    i++;
                }
                parts.add(s.substring(start, i));
            }
            return parts;
        }
        int start = 0;
        for (int at = s.indexOf(sep); at >= 0 && (maxsplit < 0 || parts.size() < maxsplit);
                at = s.indexOf(sep, start)) {
            parts.add(s.substring(start, at));
            start = at + sep.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    private static List<String> rsplit(String s, String sep, int maxsplit) {
        if (maxsplit < 0) {
            return split(s, sep, maxsplit);
        }
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = s.length();
            while (true) {
                while (i > 0 && PythonText.isSpace(s.charAt(i - 1))) {
                    i--;
                }
                if (i <= 0) {
                    break;
                }
                if (parts.size() == maxsplit) {
                    parts.add(s.substring(0, i));
                    break;
                }
                int end = i;
                while (i > 0 && !PythonText.isSpace(s.charAt(i - 1))) {
                    i--;
                }
                parts.add(s.substring(i, end));
            }
        } else {
            int end = s.length();
            for (int at = s.lastIndexOf(sep); at >= 0 && parts.size() < maxsplit;
                    at = end - sep.length() < 0 ? -1 : s.lastIndexOf(sep, end - sep.length())) {
                parts.add(s.substring(at + sep.length(), end));
                end = at;
            }
            parts.add(s.substring(0, end));
        }
        Collections.reverse(parts);
        return parts;
    }

    private static List<String> splitlines(String s, boolean keepEnds) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int breakLength = c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n' ? 2
                    : isLineBreak(c) ? 1 : 0;
            if (breakLength == 0) {
                i++;
                continue;
            }
            lines.add(s.substring(start, keepEnds ? i + breakLength : i));
            i += breakLength;
            start = i;
        }
        if (start < s.length()) {
            lines.add(s.substring(start));
        }
        return lines;
    }

    private static boolean isLineBreak(char c) {
        return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || (c >= 0x1c && c <= 0x1e) || c == 0x85
                || c == 0x2028 || c == 0x2029;
    }

    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            out.appendCodePoint(previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
            previousCased = Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
        }
        return out.toString();
    }

    private static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int start = 0;
        int done = 0;
        if (old.isEmpty()) {
            for (int i = 0; i <= s.length() && done < count; i++, done++) {
                out.append(s, start, i).append(replacement);
                start = i;
            }
            return out.append(s.substring(start)).toString();
        }
        for (int at = s.indexOf(old); at >= 0 && done < count; at = s.indexOf(old, start), done++) {
            out.append(s, start, at).append(replacement);
            start = at + old.length();
        }
        return out.append(s.substring(start)).toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.codePointCount(0, s.length()) + 1L;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static String join(String separator, Object items) {
        if (items instanceof CharSequence chars) {
            return String.join(separator, chars.codePoints().mapToObj(Character::toString).toList());
        }
        if (!(items instanceof Iterable<?> iterable)) {
            return items == null ? "" : PythonStr.str(items);
        }
        StringBuilder out = new StringBuilder();
        Iterator<?> it = iterable.iterator();
        while (it.hasNext()) {
            out.append(PythonStr.str(it.next()));
            if (it.hasNext()) {
                out.append(separator);
            }
        }
        return out.toString();
    }

    // Method calls only: property reads, writes and introspection fall through to Jinjava's own resolvers.

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
