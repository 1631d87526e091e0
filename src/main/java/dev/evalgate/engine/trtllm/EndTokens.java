package dev.evalgate.engine.trtllm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.engine.EngineException;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The token ids that end a sequence, the Executor's single end id first: the model's {@code generation_config.json}
 * {@code eos_token_id} (Llama 3.1: {@code <|end_of_text|>}, {@code <|eom_id|>}, {@code <|eot_id|>}), with the
 * tokenizer's own {@code eos_token} first; without those files, Llama 3.1's three as the vocabulary has them.
 */
final class EndTokens {

    /** Llama 3.1's end-of-sequence tokens, {@code <|eot_id|>} first: the one an instruct model ends its turn with. */
    private static final List<String> LLAMA_31 = List.of("<|eot_id|>", "<|eom_id|>", "<|end_of_text|>");

    private EndTokens() {
    }

    static int[] of(Path tokenizerDir, ByteLevelVocabulary vocabulary) {
        ObjectMapper mapper = new ObjectMapper();
        Set<Integer> ids = new LinkedHashSet<>();
        JsonNode eosToken = read(mapper, tokenizerDir.resolve("tokenizer_config.json")).path("eos_token");
        String eos = eosToken.isObject() ? eosToken.path("content").asText(null) : eosToken.asText(null);
        if (eos != null) {
            vocabulary.addedToken(eos).ifPresent(ids::add);
        }
        JsonNode configured = read(mapper, tokenizerDir.resolve("generation_config.json")).path("eos_token_id");
        if (configured.isInt()) {
            ids.add(configured.asInt());
        } else if (configured.isArray()) {
            configured.forEach(id -> ids.add(id.asInt()));
        } else {
            LLAMA_31.forEach(special -> vocabulary.addedToken(special).ifPresent(ids::add));
        }
        if (ids.isEmpty()) {
            throw new ConfigurationException("the tokenizer in " + tokenizerDir + " names no end-of-sequence "
                    + "token (tokenizer_config.json eos_token, generation_config.json eos_token_id)");
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static JsonNode read(ObjectMapper mapper, Path file) {
        if (!Files.isRegularFile(file)) {
            return mapper.createObjectNode();
        }
        try {
            return mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new EngineException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
