package dev.evalgate.api;

import java.util.ArrayList;
import java.util.List;

import dev.evalgate.engine.SamplingParams;
import dev.evalgate.generation.SequenceDecoder;
import dev.evalgate.scoring.runs.Completion;
import dev.evalgate.scoring.runs.EvalTag;
import dev.evalgate.scoring.runs.RequestSummary;

/** Hears about every finished completion that belongs to a benchmark run; must return at once. */
public interface CompletionListener {

    void completed(Completion completion);

    /**
     * Hands a finished tagged request to {@link #completed(Completion)}, with its timings: when the first token
     * arrived, or the end when none did.
     *
     * @param owner who sent it
     * @param outputs the texts the client received, one per choice
     * @param decoders the choices' decoders, which know how each ended
     * @param receivedNanos when the request arrived ({@link System#nanoTime()})
     * @param firstTokenNanos when its first token arrived, 0 if none did
     */
    default void completed(EvalTag tag, String owner, String id, String model, List<String> outputs,
            SequenceDecoder[] decoders, int promptTokens, int completionTokens, SamplingParams sampling,
            long receivedNanos, long firstTokenNanos) {
        double totalMs = (System.nanoTime() - receivedNanos) / 1e6;
        double ttftMs = firstTokenNanos == 0 ? totalMs : (firstTokenNanos - receivedNanos) / 1e6;
        List<String> finishReasons = new ArrayList<>(decoders.length);
        for (SequenceDecoder d : decoders) {
            finishReasons.add(d.finishReason().wire());
        }
        RequestSummary request = new RequestSummary(id, promptTokens, completionTokens, sampling.maxTokens(),
                sampling.temperature(), finishReasons);
        completed(new Completion(tag, outputs, request, ttftMs, totalMs, model, owner));
    }
}
