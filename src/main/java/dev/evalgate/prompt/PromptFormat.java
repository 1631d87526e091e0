package dev.evalgate.prompt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.engine.InferenceEngine;
import dev.evalgate.engine.ModelMetadata;
import dev.evalgate.prompt.jinja.ChatTemplate;

/**
 * How the served model wants its prompts: the chat template (and where it came from), the special tokens the template
 * is given, and the tokenizer. Template source, in order: {@code evalgate.chat-template}, the model's
 * {@code tokenizer_config.json}, the chat template inside the model file, the Llama 3.1 default.
 */
public final class PromptFormat {

    private static final Logger LOG = Logger.getLogger(PromptFormat.class);

    private final ChatTemplate template;
    private final String templateText;
    private final String templateSource;
    private final String bosToken;
    private final String eosToken;
    private final String padToken;
    private final Tokenizer tokenizer;

    PromptFormat(ChatTemplate template, String templateText, String templateSource, String bosToken, String eosToken,
            String padToken, Tokenizer tokenizer) {
        this.template = template;
        this.templateText = templateText;
        this.templateSource = templateSource;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.padToken = padToken;
        this.tokenizer = tokenizer;
    }

    /**
     * Loads the prompt format of the engine's model, honouring the configured overrides. Blocking; call at startup.
     *
     * @param configuredTokenizer {@code evalgate.tokenizer}
     * @param configuredTemplate {@code evalgate.chat-template}
     * @param nativeCacheDir where the tokenizer library may extract its native code
     */
    public static PromptFormat load(Optional<Path> configuredTokenizer, Optional<Path> configuredTemplate, Path nativeCacheDir,
            InferenceEngine engine) throws IOException {
        ModelMetadata metadata = engine.metadata();
        Optional<Path> tokenizerDir = configuredTokenizer.or(metadata::tokenizerDir);
        JsonNode tokenizerConfig = tokenizerDir.map(PromptFormat::readTokenizerConfig)
                .orElseGet(() -> new ObjectMapper().createObjectNode());

        Tokenizer tokenizer;
        if (tokenizerDir.isPresent()) {
            Path dir = tokenizerDir.get();
            Path json = Files.isDirectory(dir) ? dir.resolve("tokenizer.json") : dir;
            if (!Files.isRegularFile(json)) {
                throw new IOException("evalgate.tokenizer: " + json + " does not exist; point EVALGATE_TOKENIZER at a "
                        + "folder with a Hugging Face tokenizer.json");
            }
            tokenizer = HuggingFaceTokenizerFile.load(json, Files.createDirectories(nativeCacheDir));
        } else {
            tokenizer = new EngineTokenizer(engine, metadata.bosTokenId().orElse(-1));
        }

        String text;
        String source;
        if (configuredTemplate.isPresent()) {
            Path file = configuredTemplate.get();
            text = Files.readString(file, StandardCharsets.UTF_8);
            source = file.toString();
        } else if (chatTemplate(tokenizerConfig) != null) {
            text = chatTemplate(tokenizerConfig);
            source = "tokenizer_config.json";
        } else if (metadata.chatTemplate().isPresent()) {
            text = metadata.chatTemplate().get();
            source = "model file";
        } else {
            text = ChatTemplate.llama31DefaultSource();
            source = "built-in Llama 3.1";
        }
        String bos = tokenText(tokenizerConfig.get("bos_token"));
        if (bos == null) {
            bos = metadata.bosTokenId().isPresent() ? tokenizer.decode(new int[] {metadata.bosTokenId().getAsInt()}) : "";
        }
        String eos = tokenText(tokenizerConfig.get("eos_token"));
        if (eos == null) {
            eos = metadata.eosTokenId().isPresent() ? tokenizer.decode(new int[] {metadata.eosTokenId().getAsInt()}) : "";
        }
        LOG.infof("chat template from %s; bos %s, eos %s", source, bos, eos);
        return new PromptFormat(ChatTemplate.compile(text), text, source, bos, eos,
                tokenText(tokenizerConfig.get("pad_token")), tokenizer);
    }

    private static JsonNode readTokenizerConfig(Path dir) {
        Path file = Files.isDirectory(dir) ? dir.resolve("tokenizer_config.json") : dir.resolveSibling("tokenizer_config.json");
        try {
            return Files.isRegularFile(file) ? new ObjectMapper().readTree(file.toFile())
                    : new ObjectMapper().createObjectNode();
        } catch (IOException e) {
            throw new IllegalStateException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** {@code chat_template} is a string, or a list of {@code {name, template}} of which "default" is the one. */
    private static String chatTemplate(JsonNode config) {
        JsonNode t = config.get("chat_template");
        if (t == null || t.isNull()) {
            return null;
        }
        if (t.isTextual()) {
            return t.asText();
        }
        String first = null;
        for (JsonNode named : t) {
            if ("default".equals(named.path("name").asText())) {
                return named.path("template").asText();
            }
            if (first == null) {
                first = named.path("template").asText(null);
            }
        }
        return first;
    }

    /** A special token in tokenizer_config.json is a string or an AddedToken object with {@code content}. */
    private static String tokenText(JsonNode token) {
        if (token == null || token.isNull()) {
            return null;
        }
        return token.isTextual() ? token.asText() : token.path("content").asText(null);
    }

    public ChatTemplate template() {
        return template;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
    }

    /** The padding token's text, null when the model names none. */
    public String padToken() {
        return padToken;
    }

    /** The chat template's source text. */
    public String templateText() {
        return templateText;
    }

    /** Where the chat template came from: a file path, {@code tokenizer_config.json}, {@code model file} or built-in. */
    public String templateSource() {
        return templateSource;
    }
}
