package dev.evalgate.bench;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * llama.cpp driven directly through the binding the gateway uses ({@code de.kherud:llama}), with the model parameters
 * and sampling settings the gateway's llama.cpp engine gives it, and the prompt ids the gateway sends for the bench's
 * request: the limit for "the embedded engine through the gateway". N threads each generate back to back; tokens are
 * counted as the iterator hands them over, time to first token from just before {@code generate}.
 *
 * <p>Usage: {@code LlamaCppDirect --model FILE --prompt-ids tokenize.json --concurrency 1,4 --max-tokens M --seconds
 * S --warmup-seconds W [--parallel 4] [--context-length 4096] [--threads 0]}. Prints one {@code RESULT} line per level.
 */
public final class LlamaCppDirect {

    private LlamaCppDirect() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = BenchArgs.parse(argv, 0);
        int parallel = BenchArgs.intArg(args, "parallel", 4);
        int context = BenchArgs.intArg(args, "context-length", 4096);
        int threads = BenchArgs.intArg(args, "threads", 0);
        int maxTokens = BenchArgs.intArg(args, "max-tokens", 64);
        double seconds = BenchArgs.doubleArg(args, "seconds", 12);
        double warmup = BenchArgs.doubleArg(args, "warmup-seconds", 2);
        JsonArray ids = new JsonObject(Files.readString(Path.of(BenchArgs.required(args, "prompt-ids"))))
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
        try (LlamaModel model = new LlamaModel(params)) {
            for (String level : BenchArgs.required(args, "concurrency").split(",")) {
                int concurrency = Integer.parseInt(level.trim());
                System.out.println("RESULT " + measure(model, ids, maxTokens, concurrency, warmup, seconds).encode());
            }
        }
        // the binding's native loop stays attached as a non-daemon thread after close: the JVM would never end
        System.out.flush();
        System.exit(0);
    }

    private static JsonObject measure(LlamaModel model, JsonArray ids, int maxTokens, int concurrency, double warmup,
            double seconds) throws InterruptedException {
        long windowStart = System.nanoTime() + (long) (warmup * 1e9);
        long windowEnd = windowStart + (long) (seconds * 1e9);
        AtomicLong tokens = new AtomicLong();
        AtomicLong completed = new AtomicLong();
        LatencySamples ttft = new LatencySamples();
        List<Thread> workers = new ArrayList<>();
        System.err.printf("llama.cpp direct: %d streams, %.1f s ramp + %.1f s measured%n", concurrency, warmup, seconds);
        for (int i = 0; i < concurrency; i++) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() < windowEnd) {
                    long sent = System.nanoTime();
                    LlamaIterator it = model.generate(parameters(ids, maxTokens)).iterator();
                    int n = 0;
                    while (it.hasNext()) {
                        it.next();
                        // the final message carries no text in streaming mode, as the gateway's engine reads it
                        if (!it.hasNext()) {
                            break;
                        }
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
                    completed.incrementAndGet();
                }
            }, "llamacpp-direct-" + i);
            t.start();
            workers.add(t);
        }
        for (Thread t : workers) {
            t.join();
        }
        return new JsonObject()
                .put("mode", "llamacpp")
                .put("target", "direct")
                .put("concurrency", concurrency)
                .put("max_tokens", maxTokens)
                .put("seconds", seconds)
                .put("tokens", tokens.get())
                .put("tokens_per_second", tokens.get() / seconds)
                .put("streams_completed", completed.get())
                .put("errors", 0)
                .put("streams_incomplete", 0)
                .put("ttft_samples", ttft.size())
                .put("ttft_p50_ms", ttft.size() == 0 ? null : ttft.percentileMillis(50))
                .put("ttft_p99_ms", ttft.size() == 0 ? null : ttft.percentileMillis(99));
    }

    /** The gateway's sampling settings for a request with no sampling fields, and the prompt as token ids. */
    private static InferenceParameters parameters(JsonArray ids, int maxTokens) {
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
}
