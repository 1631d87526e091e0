package dev.evalgate.prompt;

/** Text to token ids and back for the served model, exactly as the engine sees them. Thread-safe. */
public interface Tokenizer {

    /**
     * Token ids of {@code text}. Special-token text (for example {@code <|eot_id|>}) becomes the special id.
     *
     * @param addSpecialTokens add what the tokenizer adds around a text (the BOS for Llama)
     */
    int[] encode(String text, boolean addSpecialTokens);

    /** The text of {@code ids}, special tokens kept, so that decode(encode(text)) gives text back byte for byte. */
    String decode(int[] ids);

    /** How many token ids there are: every valid id is below it. Ids from clients are checked against it. */
    int vocabularySize();
}
