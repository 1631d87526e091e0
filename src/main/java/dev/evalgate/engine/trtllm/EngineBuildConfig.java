package dev.evalgate.engine.trtllm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.engine.EngineException;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * What {@code trtllm-build} fixed in an engine directory's {@code config.json} that evalgate must know before it
 * talks to the Executor: the context it accepts, how many GPUs it spans, which logits it can return.
 *
 * @param maxSeqLen prompt plus completion, in tokens
 * @param maxBatchSize sequences per iteration the engine was built for
 * @param worldSize GPUs (tensor- times pipeline-parallel ranks); more than 1 needs the Executor's orchestrator mode
 * @param vocabSize the model's vocabulary
 * @param gatherContextLogits built with {@code --gather_context_logits}: prompt log-probabilities can be returned
 * @param gatherGenerationLogits built with {@code --gather_generation_logits}: the most likely alternatives of
 *        generated tokens can be listed
 */
record EngineBuildConfig(int maxSeqLen, int maxBatchSize, int worldSize, int vocabSize, boolean gatherContextLogits,
        boolean gatherGenerationLogits) {

    /** Reads {@code engineDir/config.json}. */
    static EngineBuildConfig read(Path engineDir) {
        Path file = engineDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new ConfigurationException("evalgate.engine.trtllm.engine-dir is " + engineDir + ", which has "
                    + "no config.json: point EVALGATE_ENGINE_TRTLLM_ENGINE_DIR at the folder trtllm-build wrote "
                    + "(config.json and rank0.engine, ...)");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new EngineException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        JsonNode build = root.path("build_config");
        JsonNode pretrained = root.path("pretrained_config");
        JsonNode mapping = pretrained.path("mapping");
        // engines of before 0.10 have max_input_len + max_output_len instead of max_seq_len
        int maxSeqLen = build.path("max_seq_len").asInt(
                build.path("max_input_len").asInt(0) + build.path("max_output_len").asInt(0));
        int worldSize = mapping.path("world_size").asInt(
                Math.max(1, mapping.path("tp_size").asInt(1)) * Math.max(1, mapping.path("pp_size").asInt(1)));
        if (maxSeqLen <= 0) {
            throw new ConfigurationException(file + " has no build_config.max_seq_len: is it the config.json "
                    + "trtllm-build wrote (not the Hugging Face model's)?");
        }
        return new EngineBuildConfig(maxSeqLen, build.path("max_batch_size").asInt(0), Math.max(1, worldSize),
                pretrained.path("vocab_size").asInt(0), build.path("gather_context_logits").asBoolean(false),
                build.path("gather_generation_logits").asBoolean(false));
    }
}
