package dev.evalgate.prompt;

import dev.evalgate.engine.InferenceEngine;

/** The engine's own tokenizer, for a model served without Hugging Face tokenizer files (a bare GGUF). */
public final class EngineTokenizer implements Tokenizer {

    private final InferenceEngine engine;
    private final int bosTokenId;

    /** @param bosTokenId the id added for {@code addSpecialTokens}, or -1 when the model has none */
    public EngineTokenizer(InferenceEngine engine, int bosTokenId) {
        this.engine = engine;
        this.bosTokenId = bosTokenId;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        int[] ids = engine.tokenize(text);
        if (!addSpecialTokens || bosTokenId < 0) {
            return ids;
        }
        int[] withBos = new int[ids.length + 1];
        withBos[0] = bosTokenId;
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }

    @Override
    public String decode(int[] ids) {
        return engine.detokenize(ids);
    }

    @Override
    public int vocabularySize() {
        return engine.metadata().vocabularySize().orElse(Integer.MAX_VALUE);
    }
}
