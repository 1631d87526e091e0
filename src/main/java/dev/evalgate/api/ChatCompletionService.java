package dev.evalgate.api;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.api.protocol.ChatCompletionRequest;
import dev.evalgate.api.protocol.ChatCompletionResponse;
import dev.evalgate.api.protocol.Usage;
import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.SamplingParams;
import dev.evalgate.generation.SequenceDecoder;
import dev.evalgate.ops.GatewayTimings;
import dev.evalgate.prompt.PromptRenderer;
import dev.evalgate.prompt.PromptRenderer.RenderedPrompt;
import dev.evalgate.scoring.runs.Completion;
import dev.evalgate.scoring.runs.EvalTag;
import dev.evalgate.scoring.runs.RequestSummary;
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

    /** Says which system prompt the model saw: {@code default}, {@code client}, {@code default+client} or {@code none}. */
    public static final String SYSTEM_PROMPT_HEADER = "X-Evalgate-System-Prompt";

    private final ServedModel model;
    private final PromptRenderer renderer;
    private final ObjectMapper mapper;
    private final CompletionListener listener;
    private final GatewayTimings timings;

    public ChatCompletionService(ServedModel model, PromptRenderer renderer, ObjectMapper mapper,
            CompletionListener listener, GatewayTimings timings) {
        this.model = model;
        this.renderer = renderer;
        this.mapper = mapper;
        this.listener = listener;
        this.timings = timings;
    }

    /** Hears about every finished completion that belongs to a benchmark run; must return at once. */
    public interface CompletionListener {
        void completed(Completion completion);
    }

    /**
     * A validated request with its rendered prompt, ready to generate.
     *
     * @param tag the benchmark document it belongs to, or null
     * @param receivedNanos when the request arrived ({@link System#nanoTime()})
     */
    public record Prepared(ChatCompletionRequest request, RenderedPrompt prompt, SamplingParams sampling, int n,
            String id, long created, EvalTag tag, long receivedNanos, AtomicLong firstTokenAt) {

        /** When the engine produced its first token ({@link System#nanoTime()}), 0 before that. */
        long firstTokenNanos() {
            return firstTokenAt.get();
        }
    }

    /** Parses, validates and renders. CPU and JNI work: call it on a worker thread. */
    public Prepared prepare(Buffer body, MultiMap headers, long receivedNanos) {
        ChatCompletionRequest req = OpenAiErrors.readBody(mapper, body, ChatCompletionRequest.class);
        model.checkName(req.model());
        if (req.streamOptions() != null && !req.streaming()) {
            throw ApiException.badRequest("stream_options", "Stream options can only be defined when `stream=True`.");
        }
        Integer requestedMax = req.maxCompletionTokens() != null ? req.maxCompletionTokens() : req.maxTokens();
        int n = req.n() == null ? 1 : req.n();
        List<String> stop = stopList(req.stop());
        boolean includeStop = Boolean.TRUE.equals(req.includeStopStrInOutput());
        // validate sampling before the (costlier) rendering; the default budget needs the prompt length
        SamplingParams.validated(req.temperature(), req.topP(), req.topK(), req.seed(),
                requestedMax == null ? 1 : requestedMax, stop, includeStop, n);

        RenderedPrompt prompt = renderer.render(ChatMessages.normalize(req.messages()), req.tools(),
                req.addGenerationPrompt() == null || req.addGenerationPrompt(), req.chatTemplateKwargs());
        int promptLen = prompt.tokens().length;
        int maxLen = model.maxModelLen();
        if (promptLen >= maxLen) {
            throw ApiException.badRequest("messages",
                    "Input length (" + promptLen + ") exceeds model's maximum context length (" + maxLen + ").");
        }
        int maxTokens = requestedMax == null ? maxLen - promptLen : requestedMax;
        if (promptLen + maxTokens > maxLen) {
            throw ApiException.badRequest(req.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens",
                    "This model's maximum context length is " + maxLen + " tokens. However, you requested "
                            + maxTokens + " output tokens and your prompt contains " + promptLen
                            + " input tokens, for a total of " + (promptLen + maxTokens)
                            + " tokens. Please reduce the length of the input prompt or the number of requested output tokens.");
        }
        SamplingParams sampling = SamplingParams.validated(req.temperature(), req.topP(), req.topK(), req.seed(),
                maxTokens, stop, includeStop, n);
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        return new Prepared(req, prompt, sampling, n, id, System.currentTimeMillis() / 1000, tag(req, headers),
                receivedNanos, new AtomicLong());
    }

    /**
     * Streams the completion as SSE. Call on a Vert.x context of the response: the worker thread that prepared the
     * request (where the routes call it) or its event loop. Returns at once; the engine's threads produce the tokens and
     * the {@link SseWriter} moves the bytes to the response's event loop.
     */
    public void stream(Prepared p, HttpServerResponse response) {
        ChatCompletionChunks chunks = new ChatCompletionChunks(p.id(), p.created(), model.name());
        response.setStatusCode(200)
                .putHeader(SYSTEM_PROMPT_HEADER, p.prompt().systemPrompt())
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
        run(p, response, new ChoiceSink() {
            @Override
            public void delta(int index, String text, long engineNanos) {
                if (texts != null) {
                    texts[index].append(text);
                }
                out.write(chunks.content(index, text), engineNanos);
            }

            @Override
            public void finished(int index, String text, SequenceDecoder decoder, long engineNanos) {
                if (texts != null) {
                    texts[index].append(text);
                }
                decoders[index] = decoder;
                out.write(chunks.finish(index, text, decoder.finishReason(), decoder.stopReason()), engineNanos);
            }

            @Override
            public void allFinished(int completionTokens) {
                notifyListener(p, texts, decoders, completionTokens);
                out.end(p.request().includeUsage()
                        ? chunks.usage(p.prompt().tokens().length, completionTokens) + ChatCompletionChunks.DONE
                        : ChatCompletionChunks.DONE);
            }

            @Override
            public void failed(Throwable failure) {
                out.end(ChatCompletionChunks.error(json(OpenAiErrors.body(OpenAiErrors.toApi(failure))))
                        + ChatCompletionChunks.DONE);
            }
        });
    }

    /** Generates all choices, then answers with one {@code chat.completion} JSON object. */
    public void respond(Prepared p, HttpServerResponse response) {
        response.putHeader(SYSTEM_PROMPT_HEADER, p.prompt().systemPrompt());
        StringBuilder[] texts = newTexts(p.n());
        SequenceDecoder[] decoders = new SequenceDecoder[p.n()];
        run(p, response, new ChoiceSink() {
            @Override
            public void delta(int index, String text, long engineNanos) {
                texts[index].append(text);
            }

            @Override
            public void finished(int index, String text, SequenceDecoder decoder, long engineNanos) {
                texts[index].append(text);
                decoders[index] = decoder;
            }

            @Override
            public void allFinished(int completionTokens) {
                notifyListener(p, texts, decoders, completionTokens);
                List<ChatCompletionResponse.Choice> choices = new ArrayList<>(p.n());
                for (int i = 0; i < p.n(); i++) {
                    choices.add(new ChatCompletionResponse.Choice(i,
                            ChatCompletionResponse.Message.assistant(texts[i].toString()), null,
                            decoders[i].finishReason().wire(), decoders[i].stopReason()));
                }
                ChatCompletionResponse body = new ChatCompletionResponse(p.id(), p.created(), model.name(), choices,
                        Usage.of(p.prompt().tokens().length, completionTokens));
                if (!response.closed()) {
                    response.putHeader("Content-Type", "application/json").end(json(body));
                }
            }

            @Override
            public void failed(Throwable failure) {
                ApiException e = OpenAiErrors.toApi(failure);
                if (!response.closed()) {
                    response.setStatusCode(e.status()).putHeader("Content-Type", "application/json")
                            .end(json(OpenAiErrors.body(e)));
                }
            }
        });
    }

    private static StringBuilder[] newTexts(int n) {
        StringBuilder[] texts = new StringBuilder[n];
        for (int i = 0; i < n; i++) {
            texts[i] = new StringBuilder();
        }
        return texts;
    }

    /** Hands a tagged completion to scoring; the first token time is approximated by the response start. */
    private void notifyListener(Prepared p, StringBuilder[] texts, SequenceDecoder[] decoders, int completionTokens) {
        if (p.tag() == null || texts == null) {
            return;
        }
        List<String> outputs = new ArrayList<>(texts.length);
        for (StringBuilder t : texts) {
            outputs.add(t.toString());
        }
        double totalMs = (System.nanoTime() - p.receivedNanos()) / 1e6;
        double ttftMs = p.firstTokenNanos() == 0 ? totalMs : (p.firstTokenNanos() - p.receivedNanos()) / 1e6;
        List<String> finishReasons = new ArrayList<>(decoders.length);
        for (SequenceDecoder d : decoders) {
            finishReasons.add(d.finishReason().wire());
        }
        RequestSummary request = new RequestSummary(p.id(), p.prompt().tokens().length, completionTokens,
                p.sampling().maxTokens(), p.sampling().temperature(), finishReasons);
        listener.completed(new Completion(p.tag(), outputs, request, ttftMs, totalMs, model.name()));
    }

    /** The benchmark document a request belongs to: OpenAI {@code metadata} first, then the X-Eval-* headers. */
    private static EvalTag tag(ChatCompletionRequest req, MultiMap headers) {
        Map<String, Object> md = req.metadata();
        if (md != null) {
            EvalTag tag = EvalTag.of(string(md.get("eval_run")), string(md.get("task")), string(md.get("doc_id")));
            if (tag != null) {
                return tag;
            }
        }
        return EvalTag.of(headers.get("X-Eval-Run"), headers.get("X-Eval-Task"), headers.get("X-Eval-Doc-Id"));
    }

    private static String string(Object value) {
        return value == null ? null : value.toString();
    }

    /** Where the decoded output of the choices goes. Called on engine threads; one choice at a time per index. */
    private interface ChoiceSink {
        /** @param engineNanos when the engine handed over the token ({@link System#nanoTime()}) */
        void delta(int index, String text, long engineNanos);

        void finished(int index, String text, SequenceDecoder decoder, long engineNanos);

        void allFinished(int completionTokens);

        void failed(Throwable failure);
    }

    /**
     * Runs one engine sequence per choice. A stop string or end-of-turn cancels that sequence's engine request at
     * once; a closed connection cancels all of them.
     */
    private void run(Prepared p, HttpServerResponse response, ChoiceSink sink) {
        int n = p.n();
        List<Flow.Subscription> subscriptions = new ArrayList<>(n);
        AtomicInteger remaining = new AtomicInteger(n);
        AtomicInteger completionTokens = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        Runnable cancelAll = () -> {
            synchronized (subscriptions) {
                subscriptions.forEach(Flow.Subscription::cancel);
            }
        };
        response.closeHandler(v -> cancelAll.run());
        timings.requestToEngine(System.nanoTime() - p.receivedNanos());
        for (int i = 0; i < n; i++) {
            int index = i;
            SamplingParams sampling = p.sampling().forSequence(i);
            SequenceDecoder decoder = new SequenceDecoder(sampling);
            Flow.Subscription[] self = new Flow.Subscription[1];
            Runnable choiceDone = () -> {
                int total = completionTokens.addAndGet(decoder.completionTokens());
                if (remaining.decrementAndGet() == 0 && !failed.get()) {
                    sink.allFinished(total);
                }
            };
            model.engine().generate(new GenerationRequest(p.id() + "-" + i, p.prompt().tokens(), sampling))
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
                        if (p.firstTokenAt().get() == 0) {
                            p.firstTokenAt().compareAndSet(0, arrived);
                        }
                        String text = decoder.accept(step);
                        if (decoder.finished()) {
                            self[0].cancel();
                            sink.finished(index, text, decoder, arrived);
                            choiceDone.run();
                        } else if (!text.isEmpty()) {
                            sink.delta(index, text, arrived);
                        }
                    }, failure -> {
                        if (failed.compareAndSet(false, true)) {
                            cancelAll.run();
                            sink.failed(failure);
                        }
                    }, () -> {
                        if (!decoder.finished() && !failed.get()) {
                            String text = decoder.engineFinished();
                            sink.finished(index, text, decoder, System.nanoTime());
                            choiceDone.run();
                        }
                    });
        }
    }

    private static List<String> stopList(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            return List.of(stop.asText());
        }
        if (stop.isArray()) {
            List<String> out = new ArrayList<>(stop.size());
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw ApiException.badRequest("stop", "`stop` must be a string or a list of strings.");
                }
                out.add(s.asText());
            }
            return out;
        }
        throw ApiException.badRequest("stop", "`stop` must be a string or a list of strings.");
    }

    private String json(Object body) {
        try {
            return mapper.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
