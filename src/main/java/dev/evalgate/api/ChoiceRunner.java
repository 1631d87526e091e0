package dev.evalgate.api;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ObjLongConsumer;

import dev.evalgate.engine.EngineUnavailableException;
import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.InferenceEngine;
import dev.evalgate.engine.SamplingParams;
import dev.evalgate.engine.TokenLogprob;
import dev.evalgate.generation.SequenceDecoder;
import dev.evalgate.generation.StopAutomaton;
import dev.evalgate.ops.Admission;
import dev.evalgate.ops.ServingMetrics;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.vertx.core.http.HttpServerResponse;

/**
 * Runs the engine sequences of one request, one per choice, each through its own {@link SequenceDecoder}, for both
 * completion endpoints. A stop string or end-of-turn cancels that sequence's engine request at once; a closed
 * connection cancels all of them; the first failure cancels the others and is reported once.
 */
final class ChoiceRunner {

    private ChoiceRunner() {
    }

    /** One choice to generate: its prompt (token ids, or the conversation for an engine that renders it) and how to sample it. */
    record Choice(int[] promptTokens, SamplingParams sampling, GenerationRequest.ChatPrompt chat) {
    }

    /** Where the decoded output of the choices goes. Called on engine threads; one call at a time per index. */
    interface Sink {
        /**
         * New text of a choice, with the log-probabilities of the tokens it releases (null when none were asked for).
         *
         * @param decoder the choice's decoder: its tokens so far, the prompt's log-probabilities
         * @param engineNanos when the engine handed over the token ({@link System#nanoTime()})
         */
        void delta(int index, String text, List<TokenLogprob> logprobs, SequenceDecoder decoder, long engineNanos);

        /** The choice's last text (possibly empty); its decoder knows why it ended and its prompt log-probabilities. */
        void finished(int index, String text, List<TokenLogprob> logprobs, SequenceDecoder decoder, long engineNanos);

        /** Every choice finished; {@code completionTokens} over all of them. */
        void allFinished(int completionTokens);

        /** The request failed; the stage completes once the client has the error (or its connection is gone). */
        CompletionStage<Void> failed(Throwable failure);
    }

    /**
     * Starts every choice and returns; the sink hears from the engine's threads.
     *
     * @param firstTokenAt set to when the first token of any choice arrived ({@link System#nanoTime()})
     * @param receivedNanos when the request arrived ({@link System#nanoTime()}), for the latency series
     * @param ticket the request's places in the gateway: released once every choice's engine stream has ended,
     *        however (completed, failed, cancelled); a drain out of time stops the request through it
     * @param span the request's generation span: it gets the usage and finish reasons, and ends with the ticket
     */
    static void run(InferenceEngine engine, String requestId, List<Choice> choices, AtomicLong firstTokenAt,
            long receivedNanos, ServingMetrics metrics, HttpServerResponse response, Sink sink,
            Admission.Ticket ticket, Span span) {
        int n = choices.size();
        int promptTokens = 0;
        for (Choice c : choices) {
            promptTokens += c.promptTokens().length;
        }
        metrics.prompt(promptTokens);
        span.setAttribute(GenAiSpans.INPUT_TOKENS, (long) promptTokens);
        List<String> finishReasons = new ArrayList<>(n);
        AtomicInteger open = new AtomicInteger(n);
        List<Flow.Subscription> subscriptions = new ArrayList<>(n);
        AtomicInteger remaining = new AtomicInteger(n);
        AtomicInteger completionTokens = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        // every choice of a request has the same stop strings: one automaton for all of them
        StopAutomaton stops = n == 0 ? null : new StopAutomaton(choices.get(0).sampling().stop());
        Runnable cancelAll = () -> {
            synchronized (subscriptions) {
                subscriptions.forEach(Flow.Subscription::cancel);
            }
        };
        response.closeHandler(v -> cancelAll.run());
        ticket.onStop(() -> {
            if (!failed.compareAndSet(false, true)) {
                return CompletableFuture.completedFuture(null);
            }
            cancelAll.run();
            return sink.failed(new EngineUnavailableException("the gateway is shutting down and could not finish "
                    + "this request in its drain time; send it again (to another replica)"));
        });
        for (int i = 0; i < n; i++) {
            int index = i;
            Choice choice = choices.get(i);
            SequenceDecoder decoder = new SequenceDecoder(choice.sampling(), stops);
            Flow.Subscription[] self = new Flow.Subscription[1];
            long[] lastToken = {0};
            Runnable choiceDone = () -> {
                int total = completionTokens.addAndGet(decoder.completionTokens());
                synchronized (finishReasons) {
                    finishReasons.add(decoder.finishReason().wire());
                }
                if (remaining.decrementAndGet() == 0 && !failed.get()) {
                    span.setAttribute(GenAiSpans.OUTPUT_TOKENS, (long) total);
                    span.setAttribute(GenAiSpans.FINISH_REASONS, List.copyOf(finishReasons));
                    // scoring, which the sink starts, is part of this request's trace
                    try (Scope ignored = span.makeCurrent()) {
                        sink.allFinished(total);
                    }
                }
            };
            // the choice's last text, when its decoder or the engine ended it at the given System.nanoTime()
            ObjLongConsumer<String> finish = (text, at) -> {
                sink.finished(index, text, decoder.takeLogprobs(), decoder, at);
                metrics.finished(decoder.finishReason().wire(), decoder.completionTokens(), at - receivedNanos);
                choiceDone.run();
            };
            engine.generate(new GenerationRequest(requestId + "-" + i, choice.promptTokens(), choice.sampling(),
                    choice.chat()))
                    .onTermination().invoke(() -> {
                        if (open.decrementAndGet() == 0) {
                            ticket.release();
                            span.end();
                        }
                    })
                    .subscribe().with(subscription -> {
                        self[0] = subscription;
                        synchronized (subscriptions) {
                            subscriptions.add(subscription);
                        }
                        subscription.request(Long.MAX_VALUE);
                    }, step -> {
                        if (decoder.finished() || failed.get()) {
                            return;
                        }
                        long arrived = System.nanoTime();
                        if (firstTokenAt.get() == 0 && firstTokenAt.compareAndSet(0, arrived)) {
                            metrics.firstToken(arrived - receivedNanos);
                        }
                        if (step.tokens() > 0) {
                            if (lastToken[0] != 0) {
                                metrics.interToken(arrived - lastToken[0]);
                            }
                            lastToken[0] = arrived;
                        }
                        String text = decoder.accept(step);
                        if (decoder.finished()) {
                            finish.accept(text, arrived);
                            // after the choice is accounted for: the cancel may end the request (ticket, span)
                            self[0].cancel();
                        } else if (!text.isEmpty()) {
                            sink.delta(index, text, decoder.takeLogprobs(), decoder, arrived);
                        }
                    }, failure -> {
                        if (failed.compareAndSet(false, true)) {
                            span.recordException(failure).setStatus(StatusCode.ERROR);
                            cancelAll.run();
                            sink.failed(failure);
                        }
                    }, () -> {
                        if (!decoder.finished() && !failed.get()) {
                            finish.accept(decoder.engineFinished(), System.nanoTime());
                        }
                    });
        }
    }
}
