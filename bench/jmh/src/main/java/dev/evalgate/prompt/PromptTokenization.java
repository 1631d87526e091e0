package dev.evalgate.prompt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;

import dev.evalgate.engine.llamacpp.Llama31TokenizerFiles;

/**
 * Cost per request of turning a MERA-shaped chat prompt (the default system prompt on, ruMMLU-style questions with
 * three examples, about 870 tokens) into token ids: the Java encoder against the Rust library through DJL, which the
 * gateway used before, and against the bare JNI call that returns only the ids.
 */
// In dev.evalgate.prompt because the library-only encoding and the cache reset are package-private.
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PromptTokenization {

    private static final String BEGIN = "<|begin_of_text|>";
    private static final String[] WORDS = {"в", "и", "на", "что", "который", "государство", "экономика", "вопрос",
        "теория", "функция", "процесс", "система", "развитие", "человек", "время", "история", "закон", "право",
        "значение", "уравнение", "молекула", "энергия", "12", "1945", "температура", "количество", "следующий",
        "является", "основной", "причиной", ",", " —", ".", "Смита", "инфляция", "рынок", "спрос", "предложение"};

    /**
     * {@code single}: the examples and the question in one user turn (MERA's harness without multi-turn few-shot);
     * {@code multiturn}: each example a user turn and an assistant answer.
     */
    @Param({"single", "multiturn"})
    public String shape;

    private HuggingFaceTokenizerFile tokenizer;
    private HuggingFaceTokenizer library;
    private String[] prompts;
    private int next;
    private Path dir;

    @Setup
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("evalgate-jmh-tokenizer");
        Path json = Llama31TokenizerFiles.ensure(dir.resolve("tok")).resolve("tokenizer.json");
        tokenizer = HuggingFaceTokenizerFile.load(json, dir.resolve("djl"));
        library = HuggingFaceTokenizer.newInstance(json, Map.of("addSpecialTokens", "false"));
        // 256 different questions behind the same examples, as in one MERA task: a request never repeats whole
        Random random = new Random(16);
        List<String> examples = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            examples.add(question(random));
        }
        prompts = new String[256];
        for (int i = 0; i < prompts.length; i++) {
            // Llama 3.1's chat template, as the gateway renders it (ChatTemplateGoldenTest checks that)
            StringBuilder p = new StringBuilder(BEGIN).append(turn("system",
                    "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
                            + SystemPromptPolicy.MERA_SYSTEM_PROMPT));
            String q = question(random);
            if ("single".equals(shape)) {
                p.append(turn("user", String.join(" B\n\n", examples) + " B\n\n" + q));
            } else {
                for (String e : examples) {
                    p.append(turn("user", e)).append(turn("assistant", "B"));
                }
                p.append(turn("user", q));
            }
            prompts[i] = p.append("<|start_header_id|>assistant<|end_header_id|>\n\n").toString();
            int[] java = tokenizer.encode(prompts[i], false);
            if (!Arrays.equals(java, tokenizer.encodeWithLibrary(prompts[i], false))) {
                throw new IllegalStateException("the Java encoder differs from the library on " + prompts[i]);
            }
        }
    }

    private static String turn(String role, String content) {
        return "<|start_header_id|>" + role + "<|end_header_id|>\n\n" + content + "<|eot_id|>";
    }

    private static String question(Random random) {
        StringBuilder sb = new StringBuilder("Задание содержит вопрос по теме Экономика и 4 варианта ответа A, B, C, D, "
                + "из которых только один правильный.\n");
        words(random, sb, 70).append("?\n");
        for (String option : new String[] {"A", "B", "C", "D"}) {
            words(random, sb.append(option).append(' '), 8).append('\n');
        }
        return sb.append("Запишите букву правильного ответа\nОтвет:").toString();
    }

    private static StringBuilder words(Random random, StringBuilder sb, int n) {
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return sb;
    }

    @TearDown
    public void tearDown() {
        library.close();
    }

    private String nextPrompt() {
        next = (next + 1) & (prompts.length - 1);
        return prompts[next];
    }

    /** The gateway's encoder now: Java BPE, caches warm (the steady state of a benchmark run). */
    @Benchmark
    public int[] javaEncoder() {
        return tokenizer.encode(nextPrompt(), false);
    }

    /** The Java encoder with its caches emptied before every prompt: its worst case, every piece through BPE. */
    @Benchmark
    public int[] javaEncoderCold() {
        tokenizer.clearEncodingCaches();
        return tokenizer.encode(nextPrompt(), false);
    }

    /** The gateway's encoder before: DJL's encode, which also fetches tokens, offsets and masks over JNI. */
    @Benchmark
    public int[] baselineLibrary() {
        return tokenizer.encodeWithLibrary(nextPrompt(), false);
    }

    /** The Rust library's own cost: one JNI encode, the ids only, nothing else fetched. */
    @Benchmark
    public long[] floorLibraryIdsOnly() {
        TokenizersLibrary lib = TokenizersLibrary.LIB;
        long encoding = lib.encode(library.getHandle(), nextPrompt(), false);
        try {
            return lib.getTokenIds(encoding);
        } finally {
            lib.deleteEncoding(encoding);
        }
    }
}
