package dev.evalgate.api;

import java.util.List;

import dev.evalgate.engine.SamplingParams;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;

/**
 * A request's generation span with OpenTelemetry's GenAI attributes, for both completion endpoints. The keys are
 * made once: {@code setAttribute(String, ...)} would make new ones for every request.
 */
final class GenAiSpans {

    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("gen_ai.system");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<Long> MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
    static final AttributeKey<Double> TEMPERATURE = AttributeKey.doubleKey("gen_ai.request.temperature");
    static final AttributeKey<Double> TOP_P = AttributeKey.doubleKey("gen_ai.request.top_p");
    static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");

    private GenAiSpans() {
    }

    /** Starts the span {@code "<operation> <model>"}; the choice runner adds the usage and ends it. */
    static Span start(Tracer tracer, String operation, ServedModel model, String id, SamplingParams sampling) {
        return tracer.spanBuilder(operation + " " + model.name())
                .setAttribute(OPERATION, operation)
                .setAttribute(SYSTEM, model.engine().name())
                .setAttribute(REQUEST_MODEL, model.name())
                .setAttribute(MAX_TOKENS, (long) sampling.maxTokens())
                .setAttribute(TEMPERATURE, sampling.temperature())
                .setAttribute(TOP_P, sampling.topP())
                .setAttribute(RESPONSE_ID, id)
                .startSpan();
    }
}
