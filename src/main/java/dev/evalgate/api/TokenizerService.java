package dev.evalgate.api;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.api.protocol.Tokenization.DetokenizeRequest;
import dev.evalgate.api.protocol.Tokenization.DetokenizeResponse;
import dev.evalgate.api.protocol.Tokenization.TokenizeRequest;
import dev.evalgate.api.protocol.Tokenization.TokenizeResponse;
import dev.evalgate.prompt.PromptRenderer;
import dev.evalgate.prompt.PromptRenderer.RenderedPrompt;
import io.vertx.core.buffer.Buffer;

/**
 * vLLM's tokenizer endpoints, which lm-evaluation-harness probes ({@code tokenizer_backend=auto}): the tokens of a
 * text, or of a fully rendered chat prompt exactly as the engine receives it; and the text of tokens.
 */
public final class TokenizerService {

    private final ServedModel model;
    private final PromptRenderer renderer;
    private final ObjectMapper mapper;
    private final RequestLimits limits;

    public TokenizerService(ServedModel model, PromptRenderer renderer, ObjectMapper mapper, RequestLimits limits) {
        this.limits = limits;
        this.model = model;
        this.renderer = renderer;
        this.mapper = mapper;
    }

    /** A JSON body to send, and the system prompt a rendered chat prompt carries (null for plain text). */
    public record Answer(Object body, String systemPrompt) {
    }

    public Answer tokenize(Buffer body) {
        TokenizeRequest req = OpenAiErrors.readBody(mapper, body, TokenizeRequest.class);
        model.checkName(req.model());
        int[] tokens;
        String systemPrompt = null;
        if (req.messages() != null) {
            if (model.engine().capabilities().rendersChat()) {
                throw ApiException.badRequest("messages", "The " + model.engine().name() + " engine renders "
                        + "conversations itself, so evalgate cannot say their tokens: ask the upstream's /tokenize.");
            }
            if (req.prompt() != null) {
                throw ApiException.badRequest("prompt", "Send either `prompt` or `messages`, not both.");
            }
            RenderedPrompt rendered = renderer.render(ChatMessages.normalize(req.messages(), limits), req.tools(),
                    req.addGenerationPrompt() == null || req.addGenerationPrompt(), req.chatTemplateKwargs());
            // chat prompts carry their special tokens in the template text; vLLM's default add_special_tokens is false
            tokens = Boolean.TRUE.equals(req.addSpecialTokens())
                    ? renderer.format().tokenizer().encode(rendered.text(), true)
                    : rendered.tokens();
            systemPrompt = rendered.systemPrompt();
        } else if (req.prompt() != null) {
            limits.promptChars(0, req.prompt().length(), "prompt");
            tokens = renderer.format().tokenizer().encode(req.prompt(), req.addSpecialTokens() == null || req.addSpecialTokens());
        } else {
            throw ApiException.badRequest("prompt", "`prompt` (a string) or `messages` is required.");
        }
        return new Answer(new TokenizeResponse(tokens.length, model.maxModelLen(), tokens, null), systemPrompt);
    }

    public Answer detokenize(Buffer body) {
        DetokenizeRequest req = OpenAiErrors.readBody(mapper, body, DetokenizeRequest.class);
        model.checkName(req.model());
        if (req.tokens() == null) {
            throw ApiException.badRequest("tokens", "`tokens` (a list of token ids) is required.");
        }
        int[] ids = new int[req.tokens().size()];
        // an id past the vocabulary would reach the native tokenizer, which may abort the process over it
        int vocabulary = renderer.format().tokenizer().vocabularySize();
        for (int i = 0; i < ids.length; i++) {
            Integer id = req.tokens().get(i);
            if (id == null || id < 0 || id >= vocabulary) {
                throw ApiException.badRequest("tokens", "tokens[" + i + "] is not a token id of this model (0 to "
                        + (vocabulary - 1) + "): " + id);
            }
            ids[i] = id;
        }
        return new Answer(new DetokenizeResponse(renderer.format().tokenizer().decode(ids)), null);
    }
}
