package dev.evalgate.engine;

import java.util.Optional;
import java.util.OptionalInt;

import io.smallrye.mutiny.Multi;

/** Test double: an engine that generates nothing and tokenizes one id per character; only its metadata matters. */
public final class FakeEngine implements InferenceEngine {

    private final ModelMetadata metadata;

    public FakeEngine(ModelMetadata metadata) {
        this.metadata = metadata;
    }

    public static FakeEngine withTemplate(String chatTemplate, int bos, int eos) {
        return new FakeEngine(new ModelMetadata(Optional.empty(), Optional.ofNullable(chatTemplate), OptionalInt.of(bos),
                OptionalInt.of(eos)));
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public String modelName() {
        return "fake-model";
    }

    @Override
    public EngineCapabilities capabilities() {
        return new EngineCapabilities(false, 1024);
    }

    @Override
    public int[] tokenize(String text) {
        return text.codePoints().toArray();
    }

    @Override
    public String detokenize(int[] ids) {
        return new String(ids, 0, ids.length);
    }

    @Override
    public ModelMetadata metadata() {
        return metadata;
    }

    @Override
    public Multi<GenerationStep> generate(GenerationRequest request) {
        return Multi.createFrom().empty();
    }

    @Override
    public boolean healthy() {
        return true;
    }
}
