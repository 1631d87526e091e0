package dev.evalgate.engine;

import io.smallrye.mutiny.Multi;

/**
 * The whole contract between the HTTP layer and an inference engine: it knows nothing of HTTP, JSON or SSE. An engine
 * owns its native resources and threads and frees them in {@link #close()}.
 */
public interface InferenceEngine extends AutoCloseable {

    /** Short engine name as configured: {@code llamacpp}, {@code synthetic}, ... */
    String name();

    /** The name of the model it serves, used as the served model name unless one is configured. */
    String modelName();

    /** What this engine can do beyond plain generation. */
    EngineCapabilities capabilities();

    /** Vocabulary ids of {@code text}; special-token text (for example {@code <|eot_id|>}) becomes the special id; no BOS is added. */
    int[] tokenize(String text);

    /** The text of {@code ids}, special tokens kept. */
    String detokenize(int[] ids);

    /** How the model expects its prompts: tokenizer files, chat template, special ids, as far as the engine knows. */
    ModelMetadata metadata();

    /**
     * Generates one sequence. The stream emits one {@link GenerationStep} per engine step and completes when the engine
     * stops by itself (end-of-turn token or token budget); cancelling the subscription aborts the engine request.
     */
    Multi<GenerationStep> generate(GenerationRequest request);

    /** True while the engine can serve requests. */
    boolean healthy();

    /** What it is doing now. */
    EngineStatus status();

    /**
     * How many sequences it decodes at once (its batch capacity: llama.cpp's slots, the Executor's batch size), 0 when
     * it has no fixed bound; admission control lets in no more than this by default.
     */
    default int maxConcurrentSequences() {
        return 0;
    }

    /** Stops serving and frees what the engine holds (native model, threads). Called once, at shutdown. */
    @Override
    void close();
}
