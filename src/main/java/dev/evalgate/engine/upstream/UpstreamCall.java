package dev.evalgate.engine.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.EngineRejectedException;
import dev.evalgate.engine.EngineUnavailableException;
import dev.evalgate.engine.GenerationRequest;
import dev.evalgate.engine.GenerationStep;
import dev.evalgate.engine.SamplingParams;
import dev.evalgate.engine.TokenLogprob;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;

/**
 * One sequence sent to the pool: picks a member, streams its answer back as steps, and tries another member while no
 * step has gone out yet. Cancelling the subscription resets the HTTP request, which the upstream sees as a client
 * that left (vLLM, evalgate and trtllm-serve then abort the generation). Runs on the HTTP client's event loop; the
 * fields are confined to it, apart from {@link #terminated()}, which may come from any thread.
 */
final class UpstreamCall {

    private final UpstreamEngine engine;
    private final GenerationRequest request;
    private final MultiEmitter<? super GenerationStep> emitter;
    private final List<Upstream> tried = new ArrayList<>(2);
    private final boolean chat;
    /** Prompt log-probabilities come from a whole (non-streamed) answer with {@code echo}. */
    private final boolean whole;

    private volatile HttpClientRequest current;
    private volatile boolean done;
    /** The member now asked, and whether its in-flight count still holds this request (freed exactly once). */
    private volatile Upstream member;
    private final AtomicBoolean holding = new AtomicBoolean();
    private volatile long timer = -1;
    private long sentNanos;
    private long lastChunkNanos;
    private boolean emitted;
    private int tokensSeen;
    private boolean promptLengthSent;
    /** In chat mode the last step waits for the usage chunk, which says how long the prompt the upstream rendered was. */
    private GenerationStep lastStep;
    private SseEventReader events;

    UpstreamCall(UpstreamEngine engine, GenerationRequest request, MultiEmitter<? super GenerationStep> emitter) {
        this.engine = engine;
        this.request = request;
        this.emitter = emitter;
        this.chat = request.chat() != null;
        this.whole = !chat && request.sampling().promptLogprobs() >= 0;
    }

    /** Sends the request to the best member not tried yet, or fails when there is none. */
    void start() {
        if (done) {
            return;
        }
        member = engine.pick(tried);
        if (member == null) {
            finish(new EngineUnavailableException(tried.isEmpty() ? engine.noneHealthy()
                    : "every upstream server failed this request; the last: " + tried.get(tried.size() - 1).url + ": "
                            + tried.get(tried.size() - 1).status().lastError()));
            return;
        }
        tried.add(member);
        member.started();
        holding.set(true);
        Upstream target = member;
        events = new SseEventReader();
        emitted = false;
        tokensSeen = 0;
        sentNanos = System.nanoTime();
        lastChunkNanos = 0;
        armTimer(engine.settings().firstTokenTimeout().toMillis());
        String body = body().toString();
        engine.client().request(engine.options(target, HttpMethod.POST, chat ? "/v1/chat/completions" : "/v1/completions"))
                .onSuccess(req -> {
                    if (target != member) {
                        req.reset(); // connected only after the timeout gave this member up
                        return;
                    }
                    current = req;
                    if (done) {
                        req.reset();
                        return;
                    }
                    req.putHeader("Content-Type", "application/json");
                    req.response().onSuccess(resp -> answer(target, resp))
                            .onFailure(failure -> failedBeforeAnswer(target, failure));
                    req.end(body);
                })
                .onFailure(failure -> failedBeforeAnswer(target, failure));
    }

    private ObjectNode body() {
        SamplingParams s = request.sampling();
        ObjectNode body = UpstreamEngine.JSON.createObjectNode();
        String model = engine.upstreamModel();
        if (model != null) {
            body.put("model", model);
        }
        if (chat) {
            GenerationRequest.ChatPrompt prompt = request.chat();
            body.set("messages", UpstreamEngine.JSON.valueToTree(prompt.messages()));
            if (prompt.tools() != null) {
                body.set("tools", UpstreamEngine.JSON.valueToTree(prompt.tools()));
            }
            if (!prompt.addGenerationPrompt()) {
                body.put("add_generation_prompt", false);
            }
            if (prompt.templateKwargs() != null) {
                body.set("chat_template_kwargs", UpstreamEngine.JSON.valueToTree(prompt.templateKwargs()));
            }
            if (prompt.maxTokens() != null) {
                body.put("max_tokens", s.maxTokens());
            }
            if (s.logprobs() >= 0) {
                body.put("logprobs", true).put("top_logprobs", s.logprobs());
            }
        } else {
            ArrayNode ids = body.putArray("prompt");
            for (int id : request.promptTokens()) {
                ids.add(id);
            }
            body.put("max_tokens", s.maxTokens());
            if (s.logprobs() >= 0 || s.promptLogprobs() >= 0) {
                body.put("logprobs", Math.max(Math.max(s.logprobs(), s.promptLogprobs()), 0));
            }
            if (whole) {
                body.put("echo", true);
            }
        }
        body.put("temperature", s.temperature()).put("top_p", s.topP());
        if (s.topK() > 0) {
            body.put("top_k", s.topK());
        }
        if (s.seed() != null) {
            body.put("seed", s.seed());
        }
        if (!whole) {
            body.put("stream", true);
            body.putObject("stream_options").put("include_usage", true).put("continuous_usage_stats", true);
        }
        return body;
    }

    private void answer(Upstream target, HttpClientResponse resp) {
        if (target != member) {
            return;
        }
        if (resp.statusCode() != 200) {
            resp.body().onSuccess(b -> refused(target, resp.statusCode(), b.toString()))
                    .onFailure(failure -> failedBeforeAnswer(target, failure));
            return;
        }
        if (whole) {
            resp.body().onSuccess(b -> wholeAnswer(target, b.toString()))
                    .onFailure(failure -> failedBeforeAnswer(target, failure));
            return;
        }
        resp.handler(piece -> chunks(target, piece));
        resp.exceptionHandler(failure -> broken(target, failure));
        resp.endHandler(v -> ended(target));
    }

    /** The upstream answered with an error status: the client's fault (4xx) goes back as it is; else another member. */
    private void refused(Upstream target, int status, String body) {
        if (target != member) {
            return;
        }
        if (status >= 400 && status < 500 && status != 408 && status != 429) {
            JsonNode error = parseError(body);
            finish(new EngineRejectedException(status, error.path("type").asText("BadRequestError"),
                    error.path("param").isTextual() ? error.path("param").asText() : null,
                    error.path("message").asText(body)));
            release();
            return;
        }
        String why = "answered " + status + ": " + body.substring(0, Math.min(300, body.length()));
        if (status == 429 || status == 503) {
            // busy, not broken: another member may take it, and this one stays in the pool for the next request
            target.busy(why);
        } else {
            target.failed(why);
        }
        release();
        retry();
    }

    private static JsonNode parseError(String body) {
        try {
            JsonNode node = UpstreamEngine.JSON.readTree(body);
            return node.has("error") && node.get("error").isObject() ? node.get("error") : node;
        } catch (Exception e) {
            return UpstreamEngine.JSON.createObjectNode();
        }
    }

    private void failedBeforeAnswer(Upstream target, Throwable failure) {
        if (target != member) {
            return; // an attempt already given up (its reset failing it): its count was freed then
        }
        if (done) {
            release();
            return;
        }
        target.failed(String.valueOf(failure.getMessage()));
        release();
        retry();
    }

    private void retry() {
        cancelTimer();
        if (!done) {
            start();
        }
    }

    private void chunks(Upstream target, Buffer piece) {
        if (done || target != member) {
            return;
        }
        long now = System.nanoTime();
        if (lastChunkNanos == 0) {
            target.firstChunk((now - sentNanos) / 1e6);
            // from here on the idle timeout holds, not what is left of the first-token timeout
            armTimer(engine.settings().idleTimeout().toMillis());
        }
        lastChunkNanos = now;
        for (String data : events.feed(piece)) {
            if (done) {
                return;
            }
            if ("[DONE]".equals(data)) {
                flushLastStep();
                continue;
            }
            JsonNode chunk;
            try {
                chunk = UpstreamEngine.readJson(data);
            } catch (EngineException e) {
                abandon(e);
                return;
            }
            if (chunk.has("error")) {
                JsonNode error = chunk.get("error");
                abandon(new EngineException("the upstream " + target.url + " failed mid-stream: "
                        + error.path("message").asText(error.toString())));
                return;
            }
            step(chunk);
        }
    }

    /** One streamed chunk of either endpoint into a step. */
    private void step(JsonNode chunk) {
        JsonNode usage = chunk.path("usage");
        if (chat && !promptLengthSent && usage.path("prompt_tokens").asInt(0) > 0) {
            promptLengthSent = true;
            emit(GenerationStep.promptLength(usage.get("prompt_tokens").asInt()));
        }
        JsonNode choice = chunk.path("choices").path(0);
        if (choice.isMissingNode()) {
            flushLastStep(); // the usage chunk
            return;
        }
        String text = chat ? choice.path("delta").path("content").asText("") : choice.path("text").asText("");
        String finish = choice.path("finish_reason").isTextual() ? choice.get("finish_reason").asText() : null;
        if (finish != null && !finish.equals("stop") && !finish.equals("length")) {
            // vLLM's "abort" or "error": the answer was cut for the server's reason, not finished
            abandon(new EngineException("the upstream " + member.url + " ended the answer with finish_reason "
                    + finish));
            return;
        }
        List<TokenLogprob> logprobs = chat ? chatLogprobs(choice.path("logprobs").path("content"))
                : completionLogprobs(choice.path("logprobs"), 0);
        int tokens;
        if (usage.has("completion_tokens")) {
            tokens = usage.get("completion_tokens").asInt() - tokensSeen;
        } else if (logprobs != null) {
            tokens = logprobs.size();
        } else {
            tokens = text.isEmpty() && (finish != null || chat) ? 0 : 1;
        }
        tokensSeen += tokens;
        boolean endOfTurn = "stop".equals(finish);
        GenerationStep step = tokens > 0 || !text.isEmpty() || endOfTurn ? new GenerationStep(text, tokens, endOfTurn,
                request.sampling().logprobs() >= 0 ? logprobs : null, null, 0) : null;
        if (finish == null) {
            if (step != null) {
                emit(step);
            }
        } else if (chat && !promptLengthSent) {
            lastStep = step == null ? new GenerationStep("", 0, false) : step;
        } else {
            end(step);
        }
    }

    /** Sends the held last step of a chat stream, once the usage chunk (or the end) came. */
    private void flushLastStep() {
        if (lastStep != null) {
            GenerationStep step = lastStep;
            lastStep = null;
            end(step.tokens() > 0 || !step.text().isEmpty() || step.endOfTurn() ? step : null);
        }
    }

    /** A whole {@code echo} answer: the prompt's log-probabilities, then the generated tokens as one step. */
    private void wholeAnswer(Upstream target, String body) {
        if (target != member) {
            return;
        }
        JsonNode answer;
        try {
            answer = UpstreamEngine.readJson(body);
        } catch (EngineException e) {
            release();
            finish(e);
            return;
        }
        JsonNode choice = answer.path("choices").path(0);
        int promptLength = request.promptTokens().length;
        List<TokenLogprob> all = completionLogprobs(choice.path("logprobs"), 0);
        if (all == null || all.size() < promptLength) {
            release();
            finish(new EngineException("the upstream " + target.url + " gave no log-probabilities for the prompt (it "
                    + "must support echo with logprobs, as vLLM does)"));
            return;
        }
        List<TokenLogprob> prompt = new ArrayList<>(all.subList(0, promptLength));
        prompt.set(0, null);
        List<TokenLogprob> generated = all.subList(promptLength, all.size());
        String text = choice.path("text").asText("");
        JsonNode offsets = choice.path("logprobs").path("text_offset");
        String generatedText = "";
        if (!generated.isEmpty() && offsets.size() > promptLength) {
            // offsets count code points, as Python does
            int at = Math.min(offsets.get(promptLength).asInt(), text.codePointCount(0, text.length()));
            generatedText = text.substring(text.offsetByCodePoints(0, at));
        }
        String finish = choice.path("finish_reason").asText("length");
        end(new GenerationStep(generatedText, generated.size(), "stop".equals(finish),
                request.sampling().logprobs() >= 0 ? List.copyOf(generated) : null, prompt, 0));
    }

    /** The legacy arrays as engine log-probabilities; null when the choice has none. */
    private static List<TokenLogprob> completionLogprobs(JsonNode logprobs, int from) {
        JsonNode tokens = logprobs.path("tokens");
        if (!tokens.isArray()) {
            return null;
        }
        JsonNode values = logprobs.path("token_logprobs");
        JsonNode tops = logprobs.path("top_logprobs");
        List<TokenLogprob> out = new ArrayList<>(tokens.size());
        for (int i = from; i < tokens.size(); i++) {
            List<TokenLogprob.Candidate> candidates = new ArrayList<>();
            JsonNode top = tops.path(i);
            if (top.isObject()) {
                for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) top::fields) {
                    candidates.add(new TokenLogprob.Candidate(e.getKey(), e.getValue().asDouble()));
                }
                // the legacy dict holds the token itself too, in no set order: most likely first, as chat lists them
                candidates.sort((a, b) -> Double.compare(b.logprob(), a.logprob()));
            }
            JsonNode value = values.path(i);
            out.add(new TokenLogprob(tokens.get(i).asText(), value.isNumber() ? value.asDouble() : 0, candidates));
        }
        return out;
    }

    private static List<TokenLogprob> chatLogprobs(JsonNode content) {
        if (!content.isArray()) {
            return null;
        }
        List<TokenLogprob> out = new ArrayList<>(content.size());
        for (JsonNode t : content) {
            List<TokenLogprob.Candidate> candidates = new ArrayList<>();
            for (JsonNode c : t.path("top_logprobs")) {
                candidates.add(new TokenLogprob.Candidate(c.path("token").asText(), c.path("logprob").asDouble()));
            }
            out.add(new TokenLogprob(t.path("token").asText(), t.path("logprob").asDouble(), candidates));
        }
        return out;
    }

    /** Frees the member's in-flight count for this request, once. */
    private void release() {
        Upstream m = member;
        if (m != null && holding.compareAndSet(true, false)) {
            m.ended();
        }
    }

    private void emit(GenerationStep step) {
        if (!done) {
            if (step.tokens() > 0) {
                emitted = true;
            }
            emitter.emit(step);
        }
    }

    /** The connection broke: before any token, another member; after, the stream fails. */
    private void broken(Upstream target, Throwable failure) {
        if (done || target != member) {
            return;
        }
        target.failed("stream broke: " + failure.getMessage());
        release();
        if (!emitted) {
            retry();
        } else {
            finish(new EngineException("the upstream " + target.url + " broke off the stream: " + failure.getMessage()));
        }
    }

    private void ended(Upstream target) {
        if (target != member) {
            return;
        }
        flushLastStep();
        if (!done) {
            // the body ended without a finish_reason: a server that stopped mid-answer
            broken(target, new EngineException("the response ended without a finish_reason"));
        }
    }

    /**
     * Fails the stream past the first-token or idle timeout; while no chunk arrived, the member is given up for another.
     */
    private void armTimer(long delayMs) {
        cancelTimer();
        timer = engine.vertx().setTimer(Math.max(1, delayMs), id -> {
            timer = -1;
            if (done) {
                return;
            }
            long now = System.nanoTime();
            if (lastChunkNanos == 0) {
                // give this member up before resetting its request, so that the failure the reset causes is stale
                Upstream target = member;
                HttpClientRequest req = current;
                target.failed("no answer within " + engine.settings().firstTokenTimeout());
                release();
                if (!emitted) {
                    retry();
                }
                if (req != null) {
                    req.reset();
                }
                return;
            }
            long idleMs = engine.settings().idleTimeout().toMillis();
            long silentMs = (now - lastChunkNanos) / 1_000_000;
            if (silentMs >= idleMs) {
                // fail the stream before resetting the request, so that the reset does not fail it first as a break
                HttpClientRequest req = current;
                member.failed("silent for " + silentMs + " ms mid-stream");
                release();
                finish(new EngineException("the upstream " + member.url + " sent nothing for " + silentMs + " ms"));
                if (req != null) {
                    req.reset();
                }
            } else {
                armTimer(idleMs - silentMs);
            }
        });
    }

    private void cancelTimer() {
        if (timer >= 0) {
            engine.vertx().cancelTimer(timer);
            timer = -1;
        }
    }

    /**
     * Fails the stream mid-answer and closes its connection: the upstream stops generating, and the connection, whose
     * answer was not read to its end, is not used again.
     */
    private void abandon(Throwable failure) {
        HttpClientRequest req = current;
        release();
        finish(failure);
        if (req != null) {
            req.reset();
        }
    }

    /**
     * The upstream finished its answer: the stream completes with its last step (none when null). The call is over
     * before that step goes out, so that a subscriber which cancels on it (the API does, at end of turn or budget)
     * does not reset a request whose answer is complete: its connection, read to the end, serves the next request.
     */
    private void end(GenerationStep last) {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        release();
        if (last != null) {
            emitter.emit(last);
        }
        emitter.complete();
    }

    /** Ends the stream: completes it (null) or fails it. */
    private void finish(Throwable failure) {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        if (failure == null) {
            emitter.complete();
        } else {
            emitter.fail(failure);
        }
    }

    /**
     * The subscriber went away (a stop string cut, the client left) or the stream ended; may come from any thread.
     * Resetting the request closes its connection, which the upstream sees as its client leaving.
     */
    void terminated() {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        HttpClientRequest req = current;
        if (req != null) {
            req.reset();
        }
        release();
    }
}
