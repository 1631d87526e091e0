package dev.evalgate.engine;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

import io.smallrye.mutiny.Multi;

/** Test double: an engine that tokenizes one id per character and generates whatever the test scripts. */
public final class FakeEngine implements InferenceEngine {

    private final ModelMetadata metadata;
    private final Function<GenerationRequest, Multi<GenerationStep>> generator;

    public FakeEngine(ModelMetadata metadata) {
        this(metadata, request -> Multi.createFrom().empty());
    }

    public FakeEngine(ModelMetadata metadata, Function<GenerationRequest, Multi<GenerationStep>> generator) {
        this.metadata = metadata;
        this.generator = generator;
    }

    /** An engine whose every request streams what {@code generator} returns. */
    public static FakeEngine generating(Function<GenerationRequest, Multi<GenerationStep>> generator) {
        return new FakeEngine(ModelMetadata.none(), generator);
    }

    public static FakeEngine withTemplate(String chatTemplate, int bos, int eos) {
        return new FakeEngine(new ModelMetadata(Optional.empty(), Optional.ofNullable(chatTemplate), OptionalInt.of(bos),
                OptionalInt.of(eos), OptionalInt.empty()));
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
        return new EngineCapabilities(1024, false, false, 0, "the fake engine gives no log-probabilities");
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
        return generator.apply(request);
    }

    @Override
    public boolean healthy() {
        return true;
    }

    @Override
    public EngineStatus status() {
        return new EngineStatus(name(), modelName(), healthy(), 0, null);
    }

    @Override
    public void close() {
    }
}
