package dev.evalgate.prompt;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpreterFactory;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.TemplateSyntaxException;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A compiled chat template with Hugging Face semantics. Thread-safe; compile once, render many. */
public final class ChatTemplate {

    private static final String DEFAULT_RESOURCE = "/evalgate/default-model/chat_template.jinja";

    private static final JinjavaConfig CONFIG = config(false);

    /** Renders untaken branches too, without calling methods, so that compile() sees every expression once. */
    private static final JinjavaConfig VALIDATION_CONFIG = config(true);

    private static final Jinjava ENGINE = createEngine();

    private final Node root;

    private ChatTemplate(Node root) {
        this.root = root;
    }

    /** Parses once; the node tree is immutable and shared by all later renders. */
    public static ChatTemplate compile(String source) {
        JinjavaInterpreter parser = CONFIG.getInterpreterFactory()
                .newInstance(ENGINE, ENGINE.getGlobalContextCopy(), CONFIG);
        Node root;
        try (var current = JinjavaInterpreter.closeablePushCurrent(parser).get()) {
            root = parser.parse(bindNotLoosely(source));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Chat template syntax error: " + e.getMessage(), e);
        }
        rejectSyntaxErrors(parser.getErrors());
        // Jinjava parses expressions lazily, so a dry run is what finds a broken {{ ... }}, as jinja2's compiler would.
        JinjavaInterpreter validator = VALIDATION_CONFIG.getInterpreterFactory()
                .newInstance(ENGINE, ENGINE.getGlobalContextCopy(), VALIDATION_CONFIG);
        try (var current = JinjavaInterpreter.closeablePushCurrent(validator).get()) {
            validator.render(root);
        } catch (TemplateSyntaxException e) {
            throw new IllegalArgumentException("Chat template syntax error at line " + e.getLineNumber() + ": "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            // Failures that depend on the (here empty) context are for render() to report.
        }
        rejectSyntaxErrors(validator.getErrors());
        return new ChatTemplate(root);
    }

    private static void rejectSyntaxErrors(List<TemplateError> errors) {
        for (TemplateError error : errors) {
            // Jinjava files a raise_exception() call as a syntax error too; that one is the template's business.
            if (error.getSeverity() == TemplateError.ErrorType.FATAL
                    && error.getReason() == TemplateError.ErrorReason.SYNTAX_ERROR
                    && !raisedByTemplate(error.getException())) {
                throw new IllegalArgumentException("Chat template syntax error at line " + error.getLineno() + ": "
                        + error.getMessage());
            }
        }
    }

    public static ChatTemplate llama31Default() {
        return DefaultHolder.LLAMA31;
    }

    /** Renders; context values are plain Java maps/lists/strings/numbers/booleans/null (as from Jackson). */
    public String render(Map<String, Object> context) {
        // A fresh root context per render: Jinjava pushes resolution bookkeeping up into parent contexts, so a
        // shared one would be written to by concurrent renders.
        Context scope = new Context(ENGINE.getGlobalContextCopy(), context, CONFIG.getDisabled());
        JinjavaInterpreter interpreter = CONFIG.getInterpreterFactory().newInstance(ENGINE, scope, CONFIG);
        String output;
        try (var current = JinjavaInterpreter.closeablePushCurrent(interpreter).get()) {
            output = interpreter.render(root);
        } catch (RuntimeException e) {
            throw failure(e);
        }
        // Jinjava records failures and renders on; jinja2 stops at the first one, so the first fatal error wins.
        for (TemplateError error : interpreter.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw error.getException() != null ? failure(error.getException())
                        : new ChatTemplateException(error.getMessage());
            }
        }
        return output;
    }

    /** The template's own exception if it raised one somewhere down the cause chain, else Jinjava's message. */
    private static ChatTemplateException failure(Throwable thrown) {
        ChatTemplateException raised = raisedException(thrown);
        return raised != null ? new ChatTemplateException(raised.getMessage(), raised)
                : new ChatTemplateException(String.valueOf(thrown.getMessage()), thrown);
    }

    private static boolean raisedByTemplate(Throwable thrown) {
        return raisedException(thrown) != null;
    }

    private static ChatTemplateException raisedException(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof ChatTemplateException raised) {
                return raised;
            }
        }
        return null;
    }

    private static JinjavaConfig config(boolean validation) {
        return JinjavaConfig.newBuilder()
                // Hugging Face renders with trim_blocks and lstrip_blocks.
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                // Without this {{- and {#- do not strip the whitespace before them.
                .withLegacyOverrides(LegacyOverrides.newBuilder().withUseTrimmingForNotesAndExpressions(true).build())
                // jinja2's default Undefined renders as empty instead of failing.
                .withFailOnUnknownTokens(false)
                // Otherwise Jinjava re-renders "{{ ... }}" found inside message content.
                .withNestedInterpretationEnabled(false)
                .withInterperterFactory(new PythonInterpreterFactory())
                .withValidationMode(validation)
                .build();
    }

    private static Jinjava createEngine() {
        Jinjava engine = new Jinjava(CONFIG);
        engine.registerFilter(new TojsonFilter());
        engine.registerFilter(new ItemsFilter());
        engine.registerFilter(new TrimFilter());
        engine.registerExpTest(new IterableTest());
        engine.registerFunction(function("raise_exception", "raiseException", String.class));
        engine.registerFunction(function("strftime_now", "strftimeNow", String.class));
        return engine;
    }

    private static ELFunctionDefinition function(String name, String method, Class<?>... parameters) {
        try {
            Method m = TemplateFunctions.class.getDeclaredMethod(method, parameters);
            // The EL runtime invokes from another package and the holder class is private.
            m.setAccessible(true);
            return new ELFunctionDefinition("", name, m);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- jinja2 precedence ------------------------------------------------------------------------------------

    private static final Pattern STRING_LITERAL = Pattern.compile("'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern MASKED_LITERAL = Pattern.compile("\u0001(\\d+)\u0002");
    private static final Pattern RAW_TAG = Pattern.compile("\\s*[-+]?\\s*raw\\s*[-+]?\\s*");
    private static final Pattern END_RAW = Pattern.compile("\\{%[-+]?\\s*endraw\\s*[-+]?%}");
    private static final Pattern NOT_COMPARISON;

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

    /**
     * jinja2 parses {@code not a|length == 1} as {@code not (a|length == 1)} but Jinjava binds {@code not} to
     * {@code a} alone, so the source is rewritten with explicit parentheses. Only code inside {{ }} and {% %} is
     * touched; string literals, comments and raw blocks are left as they are.
     */
    static String bindNotLoosely(String source) {
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
        // Whitespace-control markers would read as a trailing minus to the pattern.
        int start = 0;
        int end = code.length();
        if (start < end && (code.charAt(start) == '-' || code.charAt(start) == '+')) {
            start++;
        }
        if (end > start && (code.charAt(end - 1) == '-' || code.charAt(end - 1) == '+')) {
            end--;
        }
        String body = code.substring(start, end);
        if (!body.contains("not")) {
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
        String rewritten = NOT_COMPARISON.matcher(masked).replaceAll("not ($1)");
        Matcher placeholder = MASKED_LITERAL.matcher(rewritten);
        StringBuilder restored = new StringBuilder();
        while (placeholder.find()) {
            placeholder.appendReplacement(restored,
                    Matcher.quoteReplacement(literals.get(Integer.parseInt(placeholder.group(1)))));
        }
        placeholder.appendTail(restored);
        return code.substring(0, start) + restored + code.substring(end);
    }

    // ---- Hugging Face's template globals, filters and tests -----------------------------------------------------

    /** Functions transformers adds to the template globals. */
    private static final class TemplateFunctions {
        private TemplateFunctions() {}

        static Object raiseException(String message) {
            throw new ChatTemplateException(message);
        }

        static String strftimeNow(String format) {
            return PythonStrftime.format(format, LocalDateTime.now());
        }
    }

    /** transformers' tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False). */
    private static final class TojsonFilter implements Filter {
        private static final String[] PARAMETERS = {"ensure_ascii", "indent", "separators", "sort_keys"};

        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object[] values = new Object[PARAMETERS.length];
            for (int i = 0; i < args.length && i < values.length; i++) {
                values[i] = args[i];
            }
            for (int i = 0; i < PARAMETERS.length; i++) {
                if (kwargs.containsKey(PARAMETERS[i])) {
                    values[i] = kwargs.get(PARAMETERS[i]);
                }
            }
            String itemSeparator = null;
            String keySeparator = null;
            if (values[2] instanceof List<?> separators && separators.size() == 2) {
                itemSeparator = String.valueOf(separators.get(0));
                keySeparator = String.valueOf(separators.get(1));
            }
            return new PythonJson(values[1], itemSeparator, keySeparator, Boolean.TRUE.equals(values[0]),
                    Boolean.TRUE.equals(values[3])).dumps(var);
        }
    }

    /** jinja2's items filter: (key, value) pairs of a mapping, nothing for an undefined value. */
    private static final class ItemsFilter implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) {
                return List.of();
            }
            if (!(var instanceof Map<?, ?> map)) {
                throw new ChatTemplateException("Can only get item pairs from a mapping.");
            }
            List<Object> pairs = new ArrayList<>(map.size());
            map.forEach((k, v) -> pairs.add(new PythonStr.Tuple(k, v)));
            return pairs;
        }
    }

    /** jinja2's trim: str(value).strip(chars) with Python's idea of whitespace (NBSP included, NUL not). */
    private static final class TrimFilter implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            String chars = args.length > 0 ? args[0] : null;
            return PythonStr.strip(var == null ? "" : PythonStr.str(var), chars);
        }
    }

    /** jinja2's iterable test: strings and mappings are iterable in Python, unlike in Jinjava's version. */
    private static final class IterableTest implements ExpTest {
        @Override
        public String getName() {
            return "iterable";
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof CharSequence || var instanceof Iterable<?> || var instanceof Map<?, ?>
                    || (var != null && var.getClass().isArray());
        }
    }

    /** Prints {{ }} values as Python's str() does: True, 1.0, ['a']; undefined and None both print as empty. */
    private static final class PythonInterpreter extends JinjavaInterpreter {
        PythonInterpreter(Jinjava application, Context context, JinjavaConfig config) {
            super(application, context, config);
        }

        PythonInterpreter(JinjavaInterpreter parent) {
            super(parent);
        }

        @Override
        public String getAsString(Object object) {
            return object == null ? "" : PythonStr.str(object);
        }
    }

    private static final class PythonInterpreterFactory implements InterpreterFactory {
        @Override
        public JinjavaInterpreter newInstance(JinjavaInterpreter orig) {
            return new PythonInterpreter(orig);
        }

        @Override
        public JinjavaInterpreter newInstance(Jinjava application, Context context, JinjavaConfig renderConfig) {
            return new PythonInterpreter(application, context, renderConfig);
        }
    }

    /** Loaded on first use so that merely touching the class does not read the resource. */
    private static final class DefaultHolder {
        static final ChatTemplate LLAMA31 = compile(readResource(DEFAULT_RESOURCE));

        private static String readResource(String name) {
            try (InputStream in = ChatTemplate.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw new IllegalStateException("Missing classpath resource " + name);
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
