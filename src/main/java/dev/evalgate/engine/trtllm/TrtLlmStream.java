package dev.evalgate.engine.trtllm;

import java.util.ArrayList;
import java.util.List;

import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.GenerationStep;
import dev.evalgate.engine.TokenLogprob;
import dev.evalgate.generation.Utf8StreamDecoder;
import io.smallrye.mutiny.subscription.MultiEmitter;

/**
 * One request on the bridge, from its registration to its final native response: turns the token ids the pump hands
 * over into {@link GenerationStep}s (whole UTF-8 characters only, end-of-turn at an end id, log-probabilities), on the
 * pump thread alone.
 */
final class TrtLlmStream {

    final long handle;
    final GenerationRequest request;
    private final MultiEmitter<? super GenerationStep> emitter;
    private final ByteLevelVocabulary vocabulary;
    private final int[] endIds;
    private final Utf8StreamDecoder decoder = new Utf8StreamDecoder();
    /** The subscriber went away, or the stream ended on the Java side: later responses are dropped. */
    private volatile boolean closed;
    /** The native side has the request (set on the control thread). */
    volatile boolean submitted;
    /** Its final native response arrived: there is nothing to cancel any more. */
    volatile boolean nativeOver;
    private List<TokenLogprob> promptLogprobs;

    TrtLlmStream(long handle, GenerationRequest request, MultiEmitter<? super GenerationStep> emitter,
            ByteLevelVocabulary vocabulary, int[] endIds) {
        this.handle = handle;
        this.request = request;
        this.emitter = emitter;
        this.vocabulary = vocabulary;
        this.endIds = endIds;
    }

    /** The subscriber is gone or the stream ended: nothing more is emitted. */
    void close() {
        closed = true;
    }

    boolean isClosed() {
        return closed;
    }

    /** Ends the stream with an error, unless it already ended. */
    void fail(Throwable failure) {
        if (!closed) {
            closed = true;
            emitter.fail(failure);
        }
    }

    /** Pump thread: one native response of this request. */
    void accept(NativeResponse response) {
        if (response.isFinal()) {
            nativeOver = true;
        }
        if (closed) {
            return;
        }
        if (response.error() != null) {
            fail(new EngineException("TensorRT-LLM failed the request: " + response.error()));
            return;
        }
        if (response.promptLogprobs() != null) {
            promptLogprobs = promptLogprobs(response);
        }
        int[] tokens = response.tokens();
        int end = endAt(tokens);
        int texted = end >= 0 ? end : tokens.length;
        // the Executor stops at its end id without returning it; a stop word it returns
        boolean endOfTurn = end >= 0 || (response.isFinal()
                && (response.finish() == NativeResponse.END_ID || response.finish() == NativeResponse.STOP_WORDS));
        StringBuilder text = new StringBuilder();
        List<TokenLogprob> logprobs = request.sampling().logprobs() >= 0 && response.logprobs() != null
                ? new ArrayList<>(texted) : null;
        for (int i = 0; i < texted; i++) {
            text.append(decoder.append(vocabulary.bytes(tokens[i])));
            if (logprobs != null) {
                logprobs.add(tokenLogprob(response, i));
            }
        }
        if (endOfTurn || response.isFinal()) {
            text.append(decoder.flush());
        }
        int count = endOfTurn ? texted + 1 : tokens.length;
        if (count > 0) {
            GenerationStep step = new GenerationStep(text.toString(), count, endOfTurn);
            if (logprobs != null) {
                step = step.withLogprobs(logprobs);
            }
            if (promptLogprobs != null) {
                step = step.withPromptLogprobs(promptLogprobs);
                promptLogprobs = null;
            }
            emitter.emit(step);
        }
        if (endOfTurn || response.isFinal()) {
            int finish = response.finish();
            if (!endOfTurn && (finish == NativeResponse.CANCELLED || finish == NativeResponse.TIMED_OUT)) {
                // nothing here asked for it: the Executor gave up on the request (shutting down, or a time limit)
                fail(new EngineException("the TensorRT-LLM Executor "
                        + (finish == NativeResponse.CANCELLED ? "cancelled" : "timed out") + " the request"));
                return;
            }
            closed = true;
            emitter.complete();
        }
    }

    private int endAt(int[] tokens) {
        for (int i = 0; i < tokens.length; i++) {
            for (int end : endIds) {
                if (tokens[i] == end) {
                    return i;
                }
            }
        }
        return -1;
    }

    private TokenLogprob tokenLogprob(NativeResponse response, int i) {
        int k = response.topK();
        return new TokenLogprob(vocabulary.text(response.tokens()[i]), response.logprobs()[i],
                candidates(response.topIds(), response.topLogprobs(), i * k, k));
    }

    /** One per prompt token, the first null: nothing precedes it. */
    private List<TokenLogprob> promptLogprobs(NativeResponse response) {
        int[] prompt = request.promptTokens();
        float[] values = response.promptLogprobs();
        List<TokenLogprob> out = new ArrayList<>(prompt.length);
        out.add(null);
        int k = response.promptTopK();
        for (int j = 1; j < prompt.length; j++) {
            int at = j - 1;
            if (at >= values.length) {
                break;
            }
            out.add(new TokenLogprob(vocabulary.text(prompt[j]), values[at],
                    candidates(response.promptTopIds(), response.promptTopLogprobs(), at * k, k)));
        }
        return out;
    }

    private List<TokenLogprob.Candidate> candidates(int[] ids, float[] values, int from, int k) {
        List<TokenLogprob.Candidate> out = new ArrayList<>(k);
        for (int c = from; c < from + k; c++) {
            if (ids[c] >= 0) {
                out.add(new TokenLogprob.Candidate(vocabulary.text(ids[c]), values[c]));
            }
        }
        return out;
    }
}
