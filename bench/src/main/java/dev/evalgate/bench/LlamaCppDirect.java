package dev.evalgate.bench;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * llama.cpp driven directly through the binding the gateway uses ({@code de.kherud:llama}), in the load client's own
 * process, with the model parameters and sampling settings the gateway's llama.cpp engine gives it and the prompt ids
 * the gateway sends for the bench's request: the limit for "the embedded engine through the gateway". N threads each
 * generate back to back; tokens are counted as the iterator hands them over, time to first token from just before
 * {@code generate}. Its windows take turns with the gateway's ({@code LoadClient llamacpp}), so that a change in the
 * machine's speed lands on both.
 */
final class LlamaCppDirect implements AutoCloseable {

    /** The target's name in the results. */
    static final String NAME = "llamacpp-direct";
    /** The end-of-turn texts the gateway's llama.cpp engine ends a stream at (special tokens are rendered as text). */
    private static final Pattern END_OF_TURN = Pattern.compile("(<\\|eot_id\\|>|<\\|end_of_text\\|>|<\\|eom_id\\|>)$");

    private final LlamaModel model;
    private final JsonArray ids;
    private final int maxTokens;

    /**
     * Loads the model: {@code --model FILE --prompt-ids tokenize.json --native-dir DIR [--parallel 4]
     * [--context-length 4096] [--threads 0]}; the binding extracts its native library into DIR, which must exist.
     */
    LlamaCppDirect(Map<String, String> args, int maxTokens) throws Exception {
        System.setProperty("de.kherud.llama.tmpdir", BenchArgs.required(args, "native-dir"));
        int parallel = BenchArgs.intArg(args, "parallel", 4);
        int context = BenchArgs.intArg(args, "context-length", 4096);
        int threads = BenchArgs.intArg(args, "threads", 0);
        this.maxTokens = maxTokens;
        this.ids = new JsonObject(Files.readString(Path.of(BenchArgs.required(args, "prompt-ids"))))
                .getJsonArray("tokens");
        // the same parameters as the gateway's LlamaCppEngine
        ModelParameters params = new ModelParameters()
                .setModel(BenchArgs.required(args, "model"))
                .setParallel(parallel)
                .setCtxSize(context * parallel)
                .enableContBatching()
                .enableSpecial()
                .disableContextShift()
                .setLogVerbosity(0)
                .disableLog();
        if (threads > 0) {
            params.setThreads(threads);
        }
        this.model = new LlamaModel(params);
    }

    /** {@code concurrency} streams back to back for {@code ramp} seconds unmeasured, then {@code seconds} measured. */
    LoadWindow window(int concurrency, double ramp, double seconds) throws InterruptedException {
        long windowStart = System.nanoTime() + (long) (ramp * 1e9);
        long windowEnd = windowStart + (long) (seconds * 1e9);
        AtomicLong tokens = new AtomicLong();
        AtomicLong started = new AtomicLong();
        AtomicLong completed = new AtomicLong();
        AtomicLong completedInWindow = new AtomicLong();
        LatencySamples ttft = new LatencySamples();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() < windowEnd) {
                    started.incrementAndGet();
                    long sent = System.nanoTime();
                    LlamaIterator it = model.generate(parameters()).iterator();
                    int n = 0;
                    String last = "";
                    while (it.hasNext()) {
                        String text = it.next().text;
                        // the final message carries no text in streaming mode, as the gateway's engine reads it
                        if (!it.hasNext()) {
                            break;
                        }
                        last = text;
                        long now = System.nanoTime();
                        if (n++ == 0 && sent >= windowStart && sent < windowEnd) {
                            synchronized (ttft) {
                                ttft.add(now - sent);
                            }
                        }
                        if (now >= windowStart && now < windowEnd) {
                            tokens.incrementAndGet();
                        }
                    }
                    // counted as the gateway counts them (its usage, which its load client adds up): llama.cpp sends a
                    // token that ends inside a UTF-8 character with the next one, so a stream that did not end at an
                    // end-of-turn token generated its whole budget however few outputs it had
                    long end = System.nanoTime();
                    if (n < maxTokens && !END_OF_TURN.matcher(last).find() && end >= windowStart && end < windowEnd) {
                        tokens.addAndGet(maxTokens - n);
                    }
                    completed.incrementAndGet();
                    if (end >= windowStart && end < windowEnd) {
                        completedInWindow.incrementAndGet();
                    }
                }
            }, "llamacpp-direct-" + i);
            t.start();
            workers.add(t);
        }
        long pid = ProcessHandle.current().pid();
        LoadWindow.sleepUntil(windowStart);
        CpuTimes cpuStart = CpuTimes.sample(pid);
        LoadWindow.sleepUntil(windowEnd);
        CpuTimes cpuEnd = CpuTimes.sample(pid);
        for (Thread t : workers) {
            t.join();
        }
        // this process is the one under test here: its CPU time goes in the server column
        return new LoadWindow(seconds, tokens.get(), completedInWindow.get(), started.get(), completed.get(), 0, 0, 0,
                true, ttft, cpuEnd.serverTicks() - cpuStart.serverTicks(),
                cpuEnd.serverJitTicks() - cpuStart.serverJitTicks(), 0,
                cpuEnd.machineBusyTicks() - cpuStart.machineBusyTicks(), null, null);
    }

    /** The gateway's sampling settings for a request with no sampling fields, and the prompt as token ids. */
    private InferenceParameters parameters() {
        InferenceParameters p = new InferenceParameters("")
                .setNPredict(maxTokens)
                .setTemperature(1f)
                .setTopP(1f)
                .setTopK(0)
                .setMinP(0f)
                .setRepeatPenalty(1f)
                .setCachePrompt(true);
        // as in the gateway: ids, so that llama.cpp tokenizes nothing and adds no second BOS
        rawParameters(p).put("prompt", ids.encode());
        return p;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> rawParameters(InferenceParameters p) {
        try {
            Field f = InferenceParameters.class.getSuperclass().getDeclaredField("parameters");
            f.setAccessible(true);
            return (Map<String, String>) f.get(p);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("de.kherud:llama changed its InferenceParameters: " + e, e);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
