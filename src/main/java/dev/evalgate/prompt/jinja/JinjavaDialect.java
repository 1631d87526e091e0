package dev.evalgate.prompt.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites jinja2 source where Jinjava would parse it differently, mostly by adding the parentheses that give
 * jinja2's precedence:
 * <ul>
 *   <li>{@code not a|length == 1} is {@code not (a|length == 1)} in jinja2; Jinjava binds {@code not} to {@code a};
 *   <li>{@code f(k=a|length - 1)} passes {@code a|length - 1} as k in jinja2; Jinjava subtracts from the named
 *       parameter itself and fails.
 * </ul>
 * It also spells extended slices, {@code messages[::-1]}, which Jinjava cannot parse, as a call of the
 * {@value #SLICE_FILTER} filter. Only code inside {{ }} and {% %} is touched; string literals, comments and raw
 * blocks stay as they are.
 */
final class JinjavaDialect {

    private static final Pattern STRING_LITERAL = Pattern.compile("'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern MASKED_LITERAL = Pattern.compile("\u0001(\\d+)\u0002");
    private static final Pattern RAW_TAG = Pattern.compile("\\s*[-+]?\\s*raw\\s*[-+]?\\s*");
    private static final Pattern END_RAW = Pattern.compile("\\{%[-+]?\\s*endraw\\s*[-+]?%}");
    private static final Pattern KEYWORD_ARGUMENT = Pattern.compile("[(,]\\s*[A-Za-z_]\\w*\\s*=(?!=)");
    /** A value that needs no parentheses: a literal, a name or a dotted name. */
    private static final Pattern SIMPLE_VALUE =
            Pattern.compile("\\s*(?:\u0001\\d+\u0002|-?\\d+(?:\\.\\d+)?|[A-Za-z_]\\w*(?:\\.[A-Za-z_]\\w*)*)\\s*");
    private static final Pattern NOT_COMPARISON;
    private static final Pattern STEP_SLICE = Pattern.compile("\\[([^\\[\\]:]*):([^\\[\\]:]*):([^\\[\\]:]*)\\]");

    /** Name of the filter that takes over slices with a step; see ChatTemplate. */
    static final String SLICE_FILTER = "__slice__";

    static {
        String literal = "\u0001\\d+\u0002";
        String name = "(?!(?:and|or|not|in|is|if|else)\\b)[A-Za-z_]\\w*";
        String trailer = "(?:\\s*\\.\\s*[A-Za-z_]\\w*|\\s*\\[[^\\[\\]]*\\]|\\s*\\([^()]*\\))";
        String atom = "(?:" + literal + "|\\d+(?:\\.\\d+)?|" + name + "|\\([^()]*\\))" + trailer + "*";
        String filter = "(?:\\s*\\|\\s*[A-Za-z_]\\w*(?:\\s*\\([^()]*\\))?)";
        String operand = atom + filter + "*";
        String arithmetic = operand + "(?:\\s*(?:\\*\\*|//|[-+*/%~])\\s*" + operand + ")*";
        String comparison = "(?:==|!=|<=|>=|<|>|\\bnot\\s+in\\b|\\bin\\b)";
        NOT_COMPARISON = Pattern.compile("(?<!\\bis\\s{1,20})\\bnot\\s+(" + arithmetic + "\\s*" + comparison + "\\s*"
                + arithmetic + ")(?!\\s*(?:[=!<>|.\\[(*/+\\-%~]|\\b(?:in|is|not)\\b))");
    }

    private JinjavaDialect() {}

    static String translate(String source) {
        StringBuilder out = new StringBuilder(source.length() + 16);
        int i = 0;
        while (i < source.length()) {
            int open = nextDelimiter(source, i);
            if (open < 0) {
                out.append(source, i, source.length());
                break;
            }
            out.append(source, i, open);
            char kind = source.charAt(open + 1);
            if (kind == '#') {
                int close = source.indexOf("#}", open + 2);
                int end = close < 0 ? source.length() : close + 2;
                out.append(source, open, end);
                i = end;
                continue;
            }
            int close = closingDelimiter(source, open + 2, kind == '{' ? '}' : '%');
            if (close < 0) {
                out.append(source, open, source.length());
                break;
            }
            String code = source.substring(open + 2, close);
            if (kind == '%' && RAW_TAG.matcher(code).matches()) {
                Matcher endRaw = END_RAW.matcher(source);
                int end = endRaw.find(close + 2) ? endRaw.end() : source.length();
                out.append(source, open, end);
                i = end;
                continue;
            }
            out.append(source, open, open + 2).append(rewriteCode(code)).append(source, close, close + 2);
            i = close + 2;
        }
        return out.toString();
    }

    private static int nextDelimiter(String source, int from) {
        for (int i = source.indexOf('{', from); i >= 0 && i + 1 < source.length(); i = source.indexOf('{', i + 1)) {
            char next = source.charAt(i + 1);
            if (next == '{' || next == '%' || next == '#') {
                return i;
            }
        }
        return -1;
    }

    /** Index of the closing "}}" or "%}", skipping over string literals that may contain it. */
    private static int closingDelimiter(String source, int from, char first) {
        char quote = 0;
        for (int i = from; i + 1 < source.length(); i++) {
            char c = source.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == first && source.charAt(i + 1) == '}') {
                return i;
            }
        }
        return -1;
    }

    private static String rewriteCode(String code) {
        // Whitespace-control markers would read as a trailing minus to the patterns.
        int start = 0;
        int end = code.length();
        if (start < end && (code.charAt(start) == '-' || code.charAt(start) == '+')) {
            start++;
        }
        if (end > start && (code.charAt(end - 1) == '-' || code.charAt(end - 1) == '+')) {
            end--;
        }
        String body = code.substring(start, end);
        if (!body.contains("not") && !body.contains("=") && !body.contains(":")) {
            return code;
        }
        List<String> literals = new ArrayList<>();
        Matcher literal = STRING_LITERAL.matcher(body);
        StringBuilder masked = new StringBuilder();
        while (literal.find()) {
            literal.appendReplacement(masked, "\u0001" + literals.size() + "\u0002");
            literals.add(literal.group());
        }
        literal.appendTail(masked);
        String translated = keywordArguments(stepSlices(masked.toString()));
        String rewritten = NOT_COMPARISON.matcher(translated).replaceAll("not ($1)");
        Matcher placeholder = MASKED_LITERAL.matcher(rewritten);
        StringBuilder restored = new StringBuilder();
        while (placeholder.find()) {
            placeholder.appendReplacement(restored,
                    Matcher.quoteReplacement(literals.get(Integer.parseInt(placeholder.group(1)))));
        }
        placeholder.appendTail(restored);
        return code.substring(0, start) + restored + code.substring(end);
    }

    /** {@code x[a:b:c]} becomes {@code (x|__slice__(a, b, c))}, an empty bound becoming none. */
    private static String stepSlices(String code) {
        Matcher slice = STEP_SLICE.matcher(code);
        while (slice.find()) {
            int start = operandStart(code, slice.start());
            if (start == slice.start()) {
                continue;
            }
            code = code.substring(0, start) + "(" + code.substring(start, slice.start()) + "|" + SLICE_FILTER + "("
                    + bound(slice.group(1)) + ", " + bound(slice.group(2)) + ", " + bound(slice.group(3)) + "))"
                    + code.substring(slice.end());
            slice = STEP_SLICE.matcher(code);
        }
        return code;
    }

    /** Start of the primary expression (name, attribute and item accesses, calls) that ends at {@code end}. */
    private static int operandStart(String code, int end) {
        int i = end;
        while (i > 0) {
            char c = code.charAt(i - 1);
            if (c == ']' || c == ')') {
                int depth = 0;
                do {
                    char d = code.charAt(--i);
                    depth += d == ']' || d == ')' ? 1 : d == '[' || d == '(' ? -1 : 0;
                } while (depth > 0 && i > 0);
            } else if (c == '\u0002') {
                i = code.lastIndexOf('\u0001', i - 1);
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
                i--;
            } else {
                break;
            }
        }
        return i;
    }

    private static String bound(String text) {
        return text.isBlank() ? "none" : text.strip();
    }

    /** Wraps each compound keyword-argument value, {@code k=a|length - 1}, as {@code k=(a|length - 1)}. */
    private static String keywordArguments(String code) {
        StringBuilder out = new StringBuilder(code.length() + 8);
        Matcher keyword = KEYWORD_ARGUMENT.matcher(code);
        int copied = 0;
        int from = 0;
        while (from < code.length() && keyword.find(from)) {
            // The '(' or ',' must sit inside a call's parentheses, or this is {% set a, b = ... %}.
            if (keyword.group().charAt(0) == ',' && !insideParentheses(code, keyword.start())) {
                from = keyword.start() + 1;
                continue;
            }
            int valueStart = keyword.end();
            int valueEnd = argumentEnd(code, valueStart);
            String value = code.substring(valueStart, valueEnd);
            if (!SIMPLE_VALUE.matcher(value).matches()) {
                // The value may hold calls with keyword arguments of their own.
                out.append(code, copied, valueStart).append('(').append(keywordArguments(value.strip())).append(')');
                copied = valueEnd;
            }
            from = valueEnd;
        }
        out.append(code, copied, code.length());
        return out.toString();
    }

    /** The ',' or ')' that ends an argument starting at {@code from}, at bracket depth zero. */
    private static int argumentEnd(String code, int from) {
        int depth = 0;
        for (int i = from; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) {
                    return i;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                return i;
            }
        }
        return code.length();
    }

    private static boolean insideParentheses(String code, int at) {
        int depth = 0;
        for (int i = at - 1; i >= 0; i--) {
            char c = code.charAt(i);
            if (c == ')' || c == ']' || c == '}') {
                depth++;
            } else if (c == '(' || c == '[' || c == '{') {
                if (depth == 0) {
                    return c == '(';
                }
                depth--;
            }
        }
        return false;
    }
}
