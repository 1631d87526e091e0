package dev.evalgate.engine;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What an engine knows about how its model expects prompts.
 *
 * @param tokenizerDir a folder with the model's Hugging Face {@code tokenizer.json} (and {@code tokenizer_config.json})
 * @param chatTemplate the chat template the model file carries (a GGUF's {@code tokenizer.chat_template})
 * @param bosTokenId the beginning-of-sequence id
 * @param eosTokenId the end-of-sequence id
 * @param vocabularySize how many token ids the model has
 */
public record ModelMetadata(Optional<Path> tokenizerDir, Optional<String> chatTemplate, OptionalInt bosTokenId,
        OptionalInt eosTokenId, OptionalInt vocabularySize) {

    public static ModelMetadata none() {
        return new ModelMetadata(Optional.empty(), Optional.empty(), OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.empty());
    }
}
