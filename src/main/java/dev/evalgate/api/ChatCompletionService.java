package dev.evalgate.api;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.api.protocol.ChatCompletionChunk;
import dev.evalgate.api.protocol.ChatCompletionRequest;
import dev.evalgate.api.protocol.ChatCompletionResponse;
import dev.evalgate.api.protocol.Usage;
import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.SamplingParams;
import dev.evalgate.engine.TokenLogprob;
import dev.evalgate.generation.SequenceDecoder;
import dev.evalgate.ops.AccessControl.Caller;
import dev.evalgate.ops.Admission;
import dev.evalgate.ops.ServingMetrics;
import dev.evalgate.prompt.PromptRenderer;
import dev.evalgate.prompt.PromptRenderer.RenderedPrompt;
import dev.evalgate.prompt.SystemPromptPolicy;
import dev.evalgate.scoring.runs.EvalTag;
import io.opentelemetry.api.trace.Tracer;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Serves {@code /v1/chat/completions}: validates the request, renders the prompt, runs one engine sequence per
 * choice, and writes either SSE chunks or one JSON response. Everything a client sees of a sequence goes through a
 * {@link SequenceDecoder}, so both modes give the same text.
 */
public final class ChatCompletionService {

    private static final String OPERATION = "chat";

    /** Says which system prompt the model saw: {@code default}, {@code client}, {@code default+client} or {@code none}. */
    public static final String SYSTEM_PROMPT_HEADER = "X-Evalgate-System-Prompt";

    private final ServedModel model;
    private final PromptRenderer renderer;
    private final ObjectMapper mapper;
    private final CompletionListener listener;
    private final ServingMetrics timings;
    private final RequestLimits limits;
    private final RunAccess runs;
    private final Tracer tracer;

    public ChatCompletionService(ServedModel model, PromptRenderer renderer, ObjectMapper mapper,
            CompletionListener listener, ServingMetrics timings, RequestLimits limits, RunAccess runs, Tracer tracer) {
        this.tracer = tracer;
        this.limits = limits;
        this.runs = runs;
        this.model = model;
        this.renderer = renderer;
        this.mapper = mapper;
        this.listener = listener;
        this.timings = timings;
    }

    /**
     * A validated request with its rendered prompt, ready to generate.
     *
     * @param chat the conversation, when the engine renders it itself (then {@code prompt} has no tokens)
     * @param topLogprobs how many most likely tokens to list per position, -1 when {@code logprobs} is off
     * @param tag the benchmark document it belongs to, or null
     * @param owner who sent it ({@code ""} without client keys)
     * @param receivedNanos when the request arrived ({@link System#nanoTime()})
     * @param firstTokenAt when the engine produced its first token ({@link System#nanoTime()}), 0 before that
     * @param promptLength the prompt's length by evalgate's count (0 when the engine renders the conversation)
     * @param includeUsage whether a stream ends with a usage chunk
     */
    public record Prepared(ChatCompletionRequest request, RenderedPrompt prompt, GenerationRequest.ChatPrompt chat,
            SamplingParams sampling, int n, int topLogprobs, String id, long created, EvalTag tag, String owner, long receivedNanos,
            AtomicLong firstTokenAt, int promptLength, boolean includeUsage) {

        /**
         * What the answer needs while the engine generates: not the request, the prompt or the conversation, whose
         * text and ids grow with the prompt (kilobytes for a MERA prompt) and which the engine has taken what it needs
         * from. Its {@code request()}, {@code prompt()} and {@code chat()} are null.
         */
        Prepared answering() {
            return new Prepared(null, null, null, sampling, n, topLogprobs, id, created, tag, owner, receivedNanos,
                    firstTokenAt, promptLength, includeUsage);
        }

        /** The prompt's length: evalgate's own count, or the engine's when it rendered the prompt. */
        int promptTokens(SequenceDecoder[] decoders) {
            int length = promptLength;
            for (SequenceDecoder d : decoders) {
                length = Math.max(length, d == null ? 0 : d.promptTokens());
            }
            return length;
        }
    }

    /** Parses, validates and renders. CPU and JNI work: call it on a worker thread. */
    public Prepared prepare(Buffer body, MultiMap headers, Caller caller, long receivedNanos) {
        ChatCompletionRequest req = OpenAiErrors.readBody(mapper, body, ChatCompletionRequest.class);
        model.checkName(req.model());
        if (req.streamOptions() != null && !req.streaming()) {
            throw ApiException.badRequest("stream_options", "Stream options can only be defined when `stream=True`.");
        }
        Integer requestedMax = req.maxCompletionTokens() != null ? req.maxCompletionTokens() : req.maxTokens();
        int n = req.n() == null ? 1 : req.n();
        EvalTag tag = limits.tag(req.metadata(), headers::get);
        runs.write(tag, caller);
        String maxParam = req.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens";
        limits.sampling(req.n(), SamplingFields.stopList(req.stop()), requestedMax, maxParam);
        int topLogprobs = topLogprobs(req);
        // validate sampling before the (costlier) rendering; the default budget needs the prompt length
        SamplingFields.precheck(req.temperature(), req.topP(), req.topK(), req.seed(), requestedMax, req.stop(),
                req.includeStopStrInOutput(), n);
        boolean addGenerationPrompt = req.addGenerationPrompt() == null || req.addGenerationPrompt();
        RenderedPrompt prompt;
        GenerationRequest.ChatPrompt chat = null;
        if (model.engine().capabilities().rendersChat()) {
            // the engine renders the conversation itself (an upstream in chat mode): evalgate's policy still applies
            SystemPromptPolicy.Applied applied = renderer.applyPolicy(ChatMessages.normalize(req.messages(), limits));
            chat = new GenerationRequest.ChatPrompt(applied.messages(), req.tools(), addGenerationPrompt,
                    req.chatTemplateKwargs(), requestedMax);
            prompt = new RenderedPrompt(null, new int[0], applied.systemPrompt());
        } else {
            // the text is not needed once tokenized: a request waiting for room keeps only the ids (a long prompt's
            // text is kilobytes); once the engine has them, the answer keeps neither (Prepared.answering)
            prompt = renderer.render(ChatMessages.normalize(req.messages(), limits), req.tools(), addGenerationPrompt,
                    req.chatTemplateKwargs()).withoutText();
        }
        SamplingParams sampling = SamplingFields.validated(model, req.temperature(), req.topP(), req.topK(),
                req.seed(), requestedMax, maxParam, "messages", req.stop(), req.includeStopStrInOutput(), n, prompt.tokens().length);
        if (topLogprobs >= 0) {
            sampling = sampling.withLogprobs(topLogprobs, SamplingParams.NONE);
        }
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        return new Prepared(req, prompt, chat, sampling, n, topLogprobs, id, System.currentTimeMillis() / 1000,
                tag, caller.owner(), receivedNanos, new AtomicLong(), prompt.tokens().length, req.includeUsage());
    }

    /** {@code logprobs} and {@code top_logprobs} as vLLM checks them, and whether the engine can give them. */
    private int topLogprobs(ChatCompletionRequest req) {
        Integer top = req.topLogprobs();
        if (top != null && top < 0) {
            throw ApiException.badRequest("top_logprobs", "`top_logprobs` must be a positive value.");
        }
        if (top != null && top > 0 && !Boolean.TRUE.equals(req.logprobs())) {
            throw ApiException.badRequest("top_logprobs", "when using `top_logprobs`, `logprobs` must be set to true.");
        }
        if (!Boolean.TRUE.equals(req.logprobs())) {
            return -1;
        }
        int k = top == null ? 0 : top;
        limits.logprobs(k, "top_logprobs");
        SamplingFields.checkLogprobs(model, true, false, k, "logprobs");
        return k;
    }

    /**
     * Streams the completion as SSE. Call on a Vert.x context of the response: the worker thread that prepared the
     * request (where the routes call it) or its event loop. Returns at once; the engine's threads produce the tokens and
     * the {@link SseWriter} moves the bytes to the response's event loop.
     */
    public void stream(Prepared request, HttpServerResponse response, Admission.Ticket ticket) {
        Prepared p = request.answering();
        ChatCompletionChunks chunks = new ChatCompletionChunks(p.id(), p.created(), model.name());
        response.setStatusCode(200)
                .putHeader(SYSTEM_PROMPT_HEADER, request.prompt().systemPrompt())
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .setChunked(true);
        Context context = Vertx.currentContext();
        if (context == null) {
            throw new IllegalStateException("stream() must run on a Vert.x context: the response's event loop or a worker");
        }
        SseWriter out = new SseWriter(response, context, timings);
        StringBuilder roles = new StringBuilder();
        for (int i = 0; i < p.n(); i++) {
            roles.append(chunks.role(i));
        }
        out.write(roles.toString());
        // only tagged requests keep their text: scoring needs it, the stream itself does not
        StringBuilder[] texts = p.tag() == null ? null : newTexts(p.n());
        SequenceDecoder[] decoders = new SequenceDecoder[p.n()];
        run(request, response, new ChoiceRunner.Sink() {
            @Override
            public void delta(int index, String text, List<TokenLogprob> logprobs, SequenceDecoder decoder,
                    long engineNanos) {
                if (texts != null) {
                    texts[index].append(text);
                }
                out.write(logprobs == null ? chunks.content(index, text)
                        : chunk(p, index, text, logprobs, null, null), engineNanos);
            }

            @Override
            public void finished(int index, String text, List<TokenLogprob> logprobs, SequenceDecoder decoder,
                    long engineNanos) {
                if (texts != null) {
                    texts[index].append(text);
                }
                decoders[index] = decoder;
                out.write(logprobs == null ? chunks.finish(index, text, decoder.finishReason(), decoder.stopReason())
                        : chunk(p, index, text, logprobs, decoder.finishReason().wire(), decoder.stopReason()),
                        engineNanos);
            }

            @Override
            public void allFinished(int completionTokens) {
                notifyListener(p, texts, decoders, completionTokens);
                out.end(p.includeUsage()
                        ? chunks.usage(p.promptTokens(decoders), completionTokens) + ChatCompletionChunks.DONE
                        : ChatCompletionChunks.DONE);
            }

            @Override
            public CompletionStage<Void> failed(Throwable failure) {
                return out.end(ChatCompletionChunks.error(json(OpenAiErrors.body(OpenAiErrors.toApi(failure))))
                        + ChatCompletionChunks.DONE);
            }
        }, ticket);
    }

    /**
     * A content or finish chunk with log-probabilities, through Jackson: the hand-built chunks cover the common case
     * without them.
     */
    private String chunk(Prepared p, int index, String text, List<TokenLogprob> logprobs, String finishReason,
            String stopReason) {
        ChatCompletionChunk.Choice choice = new ChatCompletionChunk.Choice(index,
                new ChatCompletionChunk.Delta(null, finishReason != null && text.isEmpty() ? null : text),
                LogprobsFormat.chat(logprobs, p.topLogprobs()), finishReason,
                finishReason == null ? null : Optional.ofNullable(stopReason));
        return ChatCompletionChunks.event(json(new ChatCompletionChunk(p.id(), p.created(), model.name(),
                List.of(choice), null)));
    }

    /** Generates all choices, then answers with one {@code chat.completion} JSON object. */
    public void respond(Prepared request, HttpServerResponse response, Admission.Ticket ticket) {
        Prepared p = request.answering();
        response.putHeader(SYSTEM_PROMPT_HEADER, request.prompt().systemPrompt());
        StringBuilder[] texts = newTexts(p.n());
        List<List<TokenLogprob>> logprobs = p.topLogprobs() < 0 ? null : newLists(p.n());
        SequenceDecoder[] decoders = new SequenceDecoder[p.n()];
        run(request, response, new ChoiceRunner.Sink() {
            @Override
            public void delta(int index, String text, List<TokenLogprob> tokens, SequenceDecoder decoder,
                    long engineNanos) {
                texts[index].append(text);
                if (logprobs != null) {
                    logprobs.get(index).addAll(tokens);
                }
            }

            @Override
            public void finished(int index, String text, List<TokenLogprob> tokens, SequenceDecoder decoder,
                    long engineNanos) {
                delta(index, text, tokens, decoder, engineNanos);
                decoders[index] = decoder;
            }

            @Override
            public void allFinished(int completionTokens) {
                notifyListener(p, texts, decoders, completionTokens);
                List<ChatCompletionResponse.Choice> choices = new ArrayList<>(p.n());
                for (int i = 0; i < p.n(); i++) {
                    choices.add(new ChatCompletionResponse.Choice(i,
                            ChatCompletionResponse.Message.assistant(texts[i].toString()),
                            logprobs == null ? null : LogprobsFormat.chat(logprobs.get(i), p.topLogprobs()),
                            decoders[i].finishReason().wire(), decoders[i].stopReason()));
                }
                ChatCompletionResponse body = new ChatCompletionResponse(p.id(), p.created(), model.name(), choices,
                        Usage.of(p.promptTokens(decoders), completionTokens));
                if (!response.closed()) {
                    response.putHeader("Content-Type", "application/json").end(json(body));
                }
            }

            @Override
            public CompletionStage<Void> failed(Throwable failure) {
                ApiException e = OpenAiErrors.toApi(failure);
                return OpenAiErrors.answer(response, e.status(), json(OpenAiErrors.body(e)));
            }
        }, ticket);
    }

    private void run(Prepared p, HttpServerResponse response, ChoiceRunner.Sink sink, Admission.Ticket ticket) {
        List<ChoiceRunner.Choice> choices = new ArrayList<>(p.n());
        for (int i = 0; i < p.n(); i++) {
            choices.add(new ChoiceRunner.Choice(p.prompt().tokens(), p.sampling().forSequence(i), p.chat()));
        }
        timings.promptStages(p.prompt().templateNanos(), p.prompt().tokenizerNanos());
        timings.requestToEngine(System.nanoTime() - p.receivedNanos());
        ChoiceRunner.run(model.engine(), p.id(), choices, p.firstTokenAt(), p.receivedNanos(), timings, response, sink,
                ticket, GenAiSpans.start(tracer, OPERATION, model, p.id(), p.sampling()));
    }

    static StringBuilder[] newTexts(int n) {
        StringBuilder[] texts = new StringBuilder[n];
        for (int i = 0; i < n; i++) {
            texts[i] = new StringBuilder();
        }
        return texts;
    }

    static <T> List<List<T>> newLists(int n) {
        List<List<T>> lists = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            lists.add(new ArrayList<>());
        }
        return lists;
    }

    private void notifyListener(Prepared p, StringBuilder[] texts, SequenceDecoder[] decoders, int completionTokens) {
        if (p.tag() == null || texts == null) {
            return;
        }
        List<String> outputs = new ArrayList<>(texts.length);
        for (StringBuilder t : texts) {
            outputs.add(t.toString());
        }
        listener.completed(p.tag(), p.owner(), p.id(), model.name(), outputs, decoders, p.promptTokens(decoders),
                completionTokens, p.sampling(), p.receivedNanos(), p.firstTokenAt().get());
    }

    private String json(Object body) {
        try {
            return mapper.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
