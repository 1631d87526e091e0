package dev.evalgate.api;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.api.protocol.CompletionRequest;
import dev.evalgate.api.protocol.CompletionResponse;
import dev.evalgate.api.protocol.Usage;
import dev.evalgate.engine.SamplingParams;
import dev.evalgate.engine.TokenLogprob;
import dev.evalgate.generation.FinishReason;
import dev.evalgate.generation.SequenceDecoder;
import dev.evalgate.ops.AccessControl.Caller;
import dev.evalgate.ops.Admission;
import dev.evalgate.ops.ServingMetrics;
import dev.evalgate.prompt.Tokenizer;
import dev.evalgate.scoring.runs.EvalTag;
import io.opentelemetry.api.trace.Tracer;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Serves {@code /v1/completions} in vLLM's form: prompts as text or token ids (several at once), no chat template and
 * no system prompt, {@code echo}, and the legacy {@code logprobs} lm-evaluation-harness reads for log-likelihoods.
 * Shares the engine run, stop handling and scoring with chat completions.
 */
public final class CompletionService {

    private static final String OPERATION = "text_completion";

    /** vLLM's default budget for completions. */
    static final int DEFAULT_MAX_TOKENS = 16;

    private final ServedModel model;
    private final Tokenizer tokenizer;
    private final ObjectMapper mapper;
    private final CompletionListener listener;
    private final ServingMetrics timings;
    private final RequestLimits limits;
    private final RunAccess runs;
    private final Tracer tracer;

    public CompletionService(ServedModel model, Tokenizer tokenizer, ObjectMapper mapper, CompletionListener listener,
            ServingMetrics timings, RequestLimits limits, RunAccess runs, Tracer tracer) {
        this.tracer = tracer;
        this.limits = limits;
        this.runs = runs;
        this.model = model;
        this.tokenizer = tokenizer;
        this.mapper = mapper;
        this.listener = listener;
        this.timings = timings;
    }

    /**
     * One prompt of a request.
     *
     * @param text what {@code echo} repeats: the client's text, or the decoded ids
     */
    record Prompt(int[] tokens, String text) {
    }

    /**
     * A validated request, ready to generate.
     *
     * @param logprobs how many most likely tokens to list per position, -1 when not asked
     * @param generate false for {@code echo} with {@code max_tokens: 0}: the answer is the prompt alone
     */
    public record Prepared(CompletionRequest request, List<Prompt> prompts, SamplingParams sampling, int n,
            int logprobs, boolean generate, String id, long created, EvalTag tag, String owner, long receivedNanos,
            AtomicLong firstTokenAt) {

        int promptTokens() {
            return prompts.stream().mapToInt(p -> p.tokens().length).sum();
        }

        /** {@code echo} with {@code max_tokens: 0}: the prompt alone comes back, no completion. */
        boolean echoOnly() {
            return request.echoes() && request.maxTokens() != null && request.maxTokens() == 0;
        }
    }

    /** Parses, validates and tokenizes. CPU and JNI work: call it on a worker thread. */
    public Prepared prepare(Buffer body, MultiMap headers, Caller caller, long receivedNanos) {
        CompletionRequest req = OpenAiErrors.readBody(mapper, body, CompletionRequest.class);
        model.checkName(req.model());
        if (req.streamOptions() != null && !req.streaming()) {
            throw ApiException.badRequest("stream_options", "Stream options can only be defined when `stream=True`.");
        }
        if (req.suffix() != null) {
            throw ApiException.badRequest("suffix", "suffix is not currently supported");
        }
        EvalTag tag = limits.tag(req.metadata(), headers::get);
        runs.write(tag, caller);
        limits.sampling(req.n(), SamplingFields.stopList(req.stop()), req.maxTokens(), "max_tokens");
        int n = req.n() == null ? 1 : req.n();
        int logprobs = req.logprobs() == null ? -1 : req.logprobs();
        if (req.logprobs() != null) {
            if (logprobs < 0) {
                throw ApiException.badRequest("logprobs", "`logprobs` must be a positive value.");
            }
            limits.logprobs(logprobs, "logprobs");
            SamplingFields.checkLogprobs(model, true, req.echoes(), logprobs, "logprobs");
        }
        int requestedMax = req.maxTokens() == null ? DEFAULT_MAX_TOKENS : req.maxTokens();
        // vLLM takes max_tokens 0 with echo: the prompt comes back alone (scored, when logprobs are asked)
        boolean echoOnly = requestedMax == 0 && req.echoes();
        int engineMax = echoOnly ? 1 : requestedMax;
        SamplingFields.precheck(req.temperature(), req.topP(), req.topK(), req.seed(), engineMax, req.stop(),
                req.includeStopStrInOutput(), n);
        List<Prompt> prompts = prompts(req);
        SamplingParams sampling = null;
        for (Prompt prompt : prompts) {
            sampling = SamplingFields.validated(model, req.temperature(), req.topP(), req.topK(), req.seed(),
                    engineMax, "max_tokens", "prompt", req.stop(), req.includeStopStrInOutput(), n,
                    prompt.tokens().length);
        }
        if (logprobs >= 0) {
            sampling = sampling.withLogprobs(logprobs, req.echoes() ? logprobs : SamplingParams.NONE);
        }
        boolean generate = !echoOnly || logprobs >= 0;
        String id = "cmpl-" + UUID.randomUUID().toString().replace("-", "");
        return new Prepared(req, prompts, sampling, n, logprobs, generate, id, System.currentTimeMillis() / 1000,
                tag, caller.owner(), receivedNanos, new AtomicLong());
    }

    /** {@code prompt}: a text, a list of token ids, or a list of texts or of id lists. */
    private List<Prompt> prompts(CompletionRequest req) {
        JsonNode prompt = req.prompt();
        boolean special = req.addSpecialTokens() == null || req.addSpecialTokens();
        if (prompt == null || prompt.isNull()) {
            throw ApiException.badRequest("prompt", "`prompt` is required: a string, a list of token ids, or a list of "
                    + "either.");
        }
        List<Prompt> out = new ArrayList<>();
        if (prompt.isTextual()) {
            limits.promptChars(0, prompt.asText().length(), "prompt");
            out.add(text(prompt.asText(), special));
        } else if (prompt.isArray() && prompt.size() > 0 && prompt.get(0).isNumber()) {
            out.add(ids(prompt));
        } else if (prompt.isArray() && prompt.size() > 0) {
            limits.prompts(prompt.size());
            int chars = 0;
            for (JsonNode p : prompt) {
                if (p.isTextual()) {
                    chars = limits.promptChars(chars, p.asText().length(), "prompt");
                    out.add(text(p.asText(), special));
                } else if (p.isArray()) {
                    out.add(ids(p));
                } else {
                    throw ApiException.badRequest("prompt", "`prompt` must be a string, a list of token ids, or a list "
                            + "of either; found " + p.getNodeType().name().toLowerCase() + " in the list.");
                }
            }
        } else {
            throw ApiException.badRequest("prompt", "The decoder prompt cannot be empty");
        }
        return out;
    }

    private Prompt text(String text, boolean addSpecialTokens) {
        int[] tokens = tokenizer.encode(text, addSpecialTokens);
        if (tokens.length == 0) {
            throw ApiException.badRequest("prompt", "The decoder prompt cannot be empty");
        }
        return new Prompt(tokens, text);
    }

    private Prompt ids(JsonNode list) {
        if (list.isEmpty()) {
            throw ApiException.badRequest("prompt", "The decoder prompt cannot be empty");
        }
        int[] tokens = new int[list.size()];
        int vocabulary = tokenizer.vocabularySize();
        for (int i = 0; i < tokens.length; i++) {
            JsonNode id = list.get(i);
            if (!id.canConvertToInt() || !id.isIntegralNumber() || id.asInt() < 0 || id.asInt() >= vocabulary) {
                throw ApiException.badRequest("prompt", "Token id " + id + " is out of vocabulary (the model has "
                        + vocabulary + " token ids).");
            }
            tokens[i] = id.asInt();
        }
        return new Prompt(tokens, null);
    }

    /** The text {@code echo} puts before the completion. */
    private String echoText(Prompt prompt) {
        return prompt.text() != null ? prompt.text() : tokenizer.decode(prompt.tokens());
    }

    /** Generates all choices, then answers with one {@code text_completion} JSON object. */
    public void respond(Prepared p, HttpServerResponse response, Admission.Ticket ticket) {
        int choices = p.prompts().size() * p.n();
        StringBuilder[] texts = ChatCompletionService.newTexts(choices);
        List<List<TokenLogprob>> logprobs = ChatCompletionService.newLists(choices);
        SequenceDecoder[] decoders = new SequenceDecoder[choices];
        ChoiceRunner.Sink sink = new ChoiceRunner.Sink() {
            @Override
            public void delta(int index, String text, List<TokenLogprob> tokens, SequenceDecoder decoder,
                    long engineNanos) {
                texts[index].append(text);
                if (tokens != null) {
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
                List<String> outputs = new ArrayList<>(choices);
                List<CompletionResponse.Choice> out = new ArrayList<>(choices);
                for (int i = 0; i < choices; i++) {
                    Prompt prompt = p.prompts().get(i / p.n());
                    String generated = p.echoOnly() ? "" : texts[i].toString();
                    outputs.add(generated);
                    LogprobsFormat.Completion lp = null;
                    if (p.logprobs() >= 0) {
                        lp = new LogprobsFormat.Completion(p.logprobs(), 0);
                        if (p.request().echoes()) {
                            addPromptLogprobs(lp, prompt, decoders[i].promptLogprobs());
                        }
                        if (!p.echoOnly()) {
                            lp.addAll(logprobs.get(i));
                        }
                    }
                    SequenceDecoder d = decoders[i];
                    boolean cut = d == null || p.echoOnly();
                    out.add(new CompletionResponse.Choice(i,
                            (p.request().echoes() ? echoText(prompt) : "") + generated, lp == null ? null : lp.take(),
                            cut ? FinishReason.LENGTH.wire() : d.finishReason().wire(), cut ? null : d.stopReason()));
                }
                int generatedTokens = p.echoOnly() ? 0 : completionTokens;
                if (!p.echoOnly()) {
                    notifyListener(p, outputs, decoders, generatedTokens);
                }
                CompletionResponse body = new CompletionResponse(p.id(), p.created(), model.name(), out,
                        Usage.of(p.promptTokens(), generatedTokens));
                if (!response.closed()) {
                    response.putHeader("Content-Type", "application/json").end(json(body));
                }
            }

            @Override
            public CompletionStage<Void> failed(Throwable failure) {
                ApiException e = OpenAiErrors.toApi(failure);
                return OpenAiErrors.answer(response, e.status(), json(OpenAiErrors.body(e)));
            }
        };
        if (!p.generate()) {
            sink.allFinished(0);
            ticket.release();
        } else {
            run(p, response, sink, ticket);
        }
    }

    /** The prompt's positions: the first token without a value, then one per token. */
    private void addPromptLogprobs(LogprobsFormat.Completion lp, Prompt prompt, List<TokenLogprob> promptLogprobs) {
        lp.addUnscored(tokenizer.decode(new int[] {prompt.tokens()[0]}));
        if (promptLogprobs != null) {
            lp.addAll(promptLogprobs.subList(1, promptLogprobs.size()));
        }
    }

    /** Streams {@code text_completion} chunks as SSE, as vLLM does (no role chunk). Call as chat's stream(). */
    public void stream(Prepared p, HttpServerResponse response, Admission.Ticket ticket) {
        response.setStatusCode(200)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .setChunked(true);
        Context context = Vertx.currentContext();
        if (context == null) {
            throw new IllegalStateException("stream() must run on a Vert.x context: the response's event loop or a worker");
        }
        SseWriter out = new SseWriter(response, context, timings);
        int choices = p.prompts().size() * p.n();
        boolean continuousUsage = p.request().streamOptions() != null && p.request().streamOptions().continuousUsage();
        StringBuilder[] texts = p.tag() == null ? null : ChatCompletionService.newTexts(choices);
        SequenceDecoder[] decoders = new SequenceDecoder[choices];
        LogprobsFormat.Completion[] logprobs = new LogprobsFormat.Completion[choices];
        boolean[] started = new boolean[choices];
        ChoiceRunner.Sink sink = new ChoiceRunner.Sink() {
            @Override
            public void delta(int index, String text, List<TokenLogprob> tokens, SequenceDecoder decoder,
                    long engineNanos) {
                out.write(chunk(index, text, tokens, decoder, null, null), engineNanos);
            }

            @Override
            public void finished(int index, String text, List<TokenLogprob> tokens, SequenceDecoder decoder,
                    long engineNanos) {
                decoders[index] = decoder;
                out.write(p.echoOnly()
                        ? chunk(index, "", null, decoder, FinishReason.LENGTH.wire(), null)
                        : chunk(index, text, tokens, decoder, decoder.finishReason().wire(), decoder.stopReason()),
                        engineNanos);
            }

            /** One chunk of a choice; its first carries the echoed prompt. */
            private String chunk(int index, String text, List<TokenLogprob> tokens, SequenceDecoder decoder,
                    String finishReason, String stopReason) {
                Prompt prompt = p.prompts().get(index / p.n());
                StringBuilder shown = new StringBuilder();
                if (!started[index]) {
                    started[index] = true;
                    if (p.logprobs() >= 0) {
                        logprobs[index] = new LogprobsFormat.Completion(p.logprobs(), 0);
                    }
                    if (p.request().echoes()) {
                        shown.append(echoText(prompt));
                        if (logprobs[index] != null) {
                            addPromptLogprobs(logprobs[index], prompt, decoder.promptLogprobs());
                        }
                    }
                }
                if (!p.echoOnly()) {
                    shown.append(text);
                    if (texts != null) {
                        texts[index].append(text);
                    }
                    if (logprobs[index] != null) {
                        logprobs[index].addAll(tokens);
                    }
                }
                Usage usage = continuousUsage ? Usage.of(prompt.tokens().length,
                        p.echoOnly() ? 0 : decoder.completionTokens()) : null;
                return ChatCompletionChunks.event(json(new CompletionResponse(p.id(), p.created(), model.name(),
                        List.of(new CompletionResponse.Choice(index, shown.toString(),
                                logprobs[index] == null ? null : logprobs[index].take(), finishReason, stopReason)),
                        usage)));
            }

            @Override
            public void allFinished(int completionTokens) {
                int generatedTokens = p.echoOnly() ? 0 : completionTokens;
                if (texts != null && !p.echoOnly()) {
                    List<String> outputs = new ArrayList<>(choices);
                    for (StringBuilder t : texts) {
                        outputs.add(t.toString());
                    }
                    notifyListener(p, outputs, decoders, generatedTokens);
                }
                boolean usage = p.request().streamOptions() != null
                        && Boolean.TRUE.equals(p.request().streamOptions().includeUsage());
                out.end(usage ? ChatCompletionChunks.event(json(new CompletionResponse(p.id(), p.created(),
                        model.name(), List.of(), Usage.of(p.promptTokens(), generatedTokens))))
                        + ChatCompletionChunks.DONE : ChatCompletionChunks.DONE);
            }

            @Override
            public CompletionStage<Void> failed(Throwable failure) {
                return out.end(ChatCompletionChunks.error(json(OpenAiErrors.body(OpenAiErrors.toApi(failure))))
                        + ChatCompletionChunks.DONE);
            }
        };
        if (!p.generate()) {
            for (int i = 0; i < choices; i++) {
                out.write(ChatCompletionChunks.event(json(new CompletionResponse(p.id(), p.created(), model.name(),
                        List.of(new CompletionResponse.Choice(i, echoText(p.prompts().get(i / p.n())), null,
                                FinishReason.LENGTH.wire(), null)), null))));
            }
            sink.allFinished(0);
            ticket.release();
        } else {
            run(p, response, sink, ticket);
        }
    }

    private void run(Prepared p, HttpServerResponse response, ChoiceRunner.Sink sink, Admission.Ticket ticket) {
        List<ChoiceRunner.Choice> choices = new ArrayList<>(p.prompts().size() * p.n());
        for (Prompt prompt : p.prompts()) {
            for (int k = 0; k < p.n(); k++) {
                choices.add(new ChoiceRunner.Choice(prompt.tokens(), p.sampling().forSequence(k), null));
            }
        }
        timings.requestToEngine(System.nanoTime() - p.receivedNanos());
        ChoiceRunner.run(model.engine(), p.id(), choices, p.firstTokenAt(), p.receivedNanos(), timings, response, sink,
                ticket, GenAiSpans.start(tracer, OPERATION, model, p.id(), p.sampling()));
    }

    private void notifyListener(Prepared p, List<String> outputs, SequenceDecoder[] decoders, int completionTokens) {
        if (p.tag() != null) {
            listener.completed(p.tag(), p.owner(), p.id(), model.name(), outputs, decoders, p.promptTokens(), completionTokens,
                    p.sampling(), p.receivedNanos(), p.firstTokenAt().get());
        }
    }

    private String json(Object body) {
        try {
            return mapper.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
