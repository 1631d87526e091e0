package dev.evalgate.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.evalgate.api.protocol.Tokenization.TokenizerInfo;
import dev.evalgate.prompt.HuggingFaceTokenizerFile;
import dev.evalgate.prompt.PromptFormat;

/** {@code GET /tokenizer_info}: special tokens and chat template, which lm-eval's remote tokenizer needs. */
@Path("/tokenizer_info")
@Produces(MediaType.APPLICATION_JSON)
public class TokenizerInfoResource {

    private final PromptFormat format;
    private final ServedModel model;

    public TokenizerInfoResource(PromptFormat format, ServedModel model) {
        this.format = format;
        this.model = model;
    }

    @GET
    public TokenizerInfo info() {
        return new TokenizerInfo(format.tokenizer() instanceof HuggingFaceTokenizerFile ? "PreTrainedTokenizerFast"
                : "llama.cpp", format.bosToken(), format.eosToken(), format.padToken(), model.maxModelLen(),
                format.templateText(), format.templateSource());
    }
}
