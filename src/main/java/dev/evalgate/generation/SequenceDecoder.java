package dev.evalgate.generation;

import java.util.ArrayList;
import java.util.List;

import dev.evalgate.engine.GenerationStep;
import dev.evalgate.engine.TokenLogprob;
import dev.evalgate.engine.SamplingParams;

/**
 * Turns one sequence's engine steps into the text a client sees: stop strings cut and never leaked, end-of-turn
 * honoured, tokens counted, finish reason decided. Streaming and non-streaming responses both go through it, so they
 * give the same text. Keeps the tokens' log-probabilities beside the text: those of tokens whose text is held back go
 * out with the text that releases them (or with the last text, when a stop string cut it). Not thread-safe: one per
 * sequence, fed by one thread at a time.
 */
public final class SequenceDecoder {

    private final StopSequenceMatcher stops;
    private final int maxTokens;
    private int completionTokens;
    private FinishReason finishReason;
    private String stopReason;
    /** Log-probabilities of generated tokens not yet taken, in order; null when none were asked for. */
    private List<TokenLogprob> logprobs;
    private List<TokenLogprob> promptLogprobs;
    private int promptTokens;

    public SequenceDecoder(SamplingParams sampling) {
        this(sampling, new StopAutomaton(sampling.stop()));
    }

    /** A decoder whose stop strings were compiled once for all choices of the request ({@code sampling.stop()}). */
    public SequenceDecoder(SamplingParams sampling, StopAutomaton stopStrings) {
        this.stops = new StopSequenceMatcher(stopStrings, sampling.includeStopStrInOutput());
        this.maxTokens = sampling.maxTokens();
    }

    /** Accepts one engine step; returns the text that may be sent now (possibly empty). Ignores steps after the end. */
    public String accept(GenerationStep step) {
        if (finishReason != null) {
            return "";
        }
        if (step.promptLogprobs() != null) {
            promptLogprobs = step.promptLogprobs();
        }
        if (step.promptTokens() > 0) {
            promptTokens = step.promptTokens();
        }
        if (step.logprobs() != null) {
            if (logprobs == null) {
                logprobs = new ArrayList<>();
            }
            logprobs.addAll(step.logprobs());
        }
        completionTokens += step.tokens();
        String out = stops.append(step.text());
        if (stops.stopped()) {
            finishReason = FinishReason.STOP;
            stopReason = stops.matchedStop();
        } else if (step.endOfTurn()) {
            finishReason = FinishReason.STOP;
            out += stops.flush();
        } else if (completionTokens >= maxTokens) {
            finishReason = FinishReason.LENGTH;
            out += stops.flush();
        }
        return out;
    }

    /** The engine ended the stream by itself; returns the held-back text that may now be sent. */
    public String engineFinished() {
        if (finishReason != null) {
            return "";
        }
        // requests are validated to fit the context, so an engine that stops by itself has spent its whole budget;
        // an engine step may carry several tokens (llama.cpp merges an incomplete UTF-8 character into the next one)
        finishReason = FinishReason.LENGTH;
        completionTokens = Math.max(completionTokens, maxTokens);
        return stops.flush();
    }

    /**
     * The log-probabilities of the tokens generated since the last call, to send with the text just returned: all of
     * them once the sequence finished. Null when the request asked for none.
     */
    public List<TokenLogprob> takeLogprobs() {
        if (logprobs == null) {
            return null;
        }
        List<TokenLogprob> taken = logprobs;
        logprobs = new ArrayList<>();
        return taken;
    }

    /** The prompt's log-probabilities (the first null), when the request asked for them; else null. */
    public List<TokenLogprob> promptLogprobs() {
        return promptLogprobs;
    }

    /** The prompt's length as the engine reported it (an engine that rendered the prompt itself), else 0. */
    public int promptTokens() {
        return promptTokens;
    }

    public boolean finished() {
        return finishReason != null;
    }

    public FinishReason finishReason() {
        return finishReason;
    }

    /** vLLM's {@code stop_reason}: the matched stop string, or null for end-of-turn and length. */
    public String stopReason() {
        return stopReason;
    }

    public int completionTokens() {
        return completionTokens;
    }
}
