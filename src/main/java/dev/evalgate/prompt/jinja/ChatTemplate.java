package dev.evalgate.prompt.jinja;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpreterFactory;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.TemplateSyntaxException;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;

import dev.evalgate.python.PythonText;
import jinjava.javax.el.CompositeELResolver;

/** A compiled chat template with Hugging Face semantics. Thread-safe; compile once, render many. */
public final class ChatTemplate {

    private static final String DEFAULT_RESOURCE = "/evalgate/default-model/chat_template.jinja";

    private static final JinjavaConfig CONFIG = config(false);

    /** Renders untaken branches too, without calling methods, so that compile() sees every expression once. */
    private static final JinjavaConfig VALIDATION_CONFIG = config(true);

    private static final Jinjava ENGINE = createEngine();

    /**
     * Filters, tests and functions for one render at a time. Renders write bookkeeping into their parent context
     * (plain HashSets), so sharing one across threads is unsafe, and copying Jinjava's per render costs about half
     * of a render; one per thread is both safe and cheap.
     */
    private static final ThreadLocal<Context> THREAD_GLOBALS = ThreadLocal.withInitial(ENGINE::getGlobalContextCopy);

    private final Node root;
    /** The source is the Llama 3.1 template: plain conversations are written by {@link Llama31Prompt}. */
    private final boolean llama31;

    private ChatTemplate(Node root, boolean llama31) {
        this.root = root;
        this.llama31 = llama31;
    }

    /** Parses once; the node tree is immutable and shared by all later renders. */
    public static ChatTemplate compile(String source) {
        JinjavaInterpreter parser = CONFIG.getInterpreterFactory()
                .newInstance(ENGINE, ENGINE.getGlobalContextCopy(), CONFIG);
        Node root;
        try (var current = JinjavaInterpreter.closeablePushCurrent(parser).get()) {
            root = parser.parse(JinjavaDialect.translate(source));
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
        return new ChatTemplate(root, source.strip().equals(DefaultHolder.SOURCE.strip()));
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

    /** The Llama 3.1 template shipped on the classpath, compiled on first use. */
    public static ChatTemplate llama31Default() {
        return DefaultHolder.LLAMA31;
    }

    /** The source of the Llama 3.1 template shipped on the classpath. */
    public static String llama31DefaultSource() {
        return DefaultHolder.SOURCE;
    }

    /** Renders; context values are plain Java maps/lists/strings/numbers/booleans/null (as from Jackson). */
    public String render(Map<String, Object> context) {
        String direct = llama31 ? Llama31Prompt.render(context) : null;
        return direct != null ? direct : renderTemplate(context);
    }

    /** Renders through Jinjava, whatever the template. */
    String renderTemplate(Map<String, Object> context) {
        Context globals = THREAD_GLOBALS.get();
        Context scope = new Context(globals, context, CONFIG.getDisabled());
        JinjavaInterpreter interpreter = CONFIG.getInterpreterFactory().newInstance(ENGINE, scope, CONFIG);
        String output;
        try (var current = JinjavaInterpreter.closeablePushCurrent(interpreter).get()) {
            output = interpreter.render(root);
        } catch (RuntimeException e) {
            throw failure(e);
        } finally {
            // What renders push up into the globals is bookkeeping; Jinjava clears its own the same way.
            globals.reset();
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
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        // Python semantics: {% for k in dict %} yields keys and {k: v} evaluates k.
                        .withIterateOverMapKeys(true)
                        .withEvaluateMapKeys(true)
                        .build())
                .withElResolver(new CompositeELResolver() {
                    {
                        add(new PythonStringMethods());
                        add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
                    }
                })
                // jinja2's default Undefined renders as empty instead of failing.
                .withFailOnUnknownTokens(false)
                // Otherwise Jinjava re-renders "{{ ... }}" found inside message content.
                .withNestedInterpretationEnabled(false)
                .withInterperterFactory(new PythonInterpreterFactory())
                // Jinjava's name for a dry run that also walks untaken branches.
                .withValidationMode(validation)
                .build();
    }

    private static Jinjava createEngine() {
        Jinjava engine = new Jinjava(CONFIG);
        engine.registerFilter(new TojsonFilter());
        engine.registerFilter(new ItemsFilter());
        engine.registerFilter(new TrimFilter());
        engine.registerFilter(new StepSliceFilter());
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

    /** Python's x[start:stop:step], which Jinjava cannot parse; JinjavaDialect rewrites such slices into this. */
    private static final class StepSliceFilter implements Filter {
        @Override
        public String getName() {
            return JinjavaDialect.SLICE_FILTER;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            List<?> items;
            if (var instanceof CharSequence s) {
                items = s.codePoints().mapToObj(Character::toString).toList();
            } else if (var instanceof List<?> list) {
                items = list;
            } else if (var instanceof Object[] array) {
                items = Arrays.asList(array);
            } else {
                String type = var == null ? "NoneType" : var.getClass().getSimpleName();
                throw new ChatTemplateException("'" + type + "' object is not subscriptable");
            }
            int length = items.size();
            int step = args.length > 2 && args[2] != null ? toInt(args[2]) : 1;
            if (step == 0) {
                throw new ChatTemplateException("slice step cannot be zero");
            }
            int start = sliceIndex(args.length > 0 ? args[0] : null, length, step < 0 ? length - 1 : 0, step);
            int stop = sliceIndex(args.length > 1 ? args[1] : null, length, step < 0 ? -1 : length, step);
            List<Object> sliced = new ArrayList<>();
            for (int i = start; step > 0 ? i < stop : i > stop; i += step) {
                sliced.add(items.get(i));
            }
            if (var instanceof CharSequence) {
                return String.join("", sliced.stream().map(String::valueOf).toList());
            }
            return sliced;
        }

        private static int toInt(Object value) {
            return value instanceof Number n ? n.intValue() : Integer.parseInt(value.toString().strip());
        }

        /** slice.indices(): negative bounds count from the end, then clamp to the range the step can reach. */
        private static int sliceIndex(Object bound, int length, int absent, int step) {
            if (bound == null) {
                return absent;
            }
            int index = toInt(bound);
            if (index < 0) {
                index += length;
                if (index < 0) {
                    return step < 0 ? -1 : 0;
                }
            } else if (index >= length) {
                return step < 0 ? length - 1 : length;
            }
            return index;
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
            return PythonText.strip(var == null ? "" : PythonStr.str(var), chars);
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
        static final String SOURCE = readResource(DEFAULT_RESOURCE);
        static final ChatTemplate LLAMA31 = compile(SOURCE);

        private DefaultHolder() {
        }

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
