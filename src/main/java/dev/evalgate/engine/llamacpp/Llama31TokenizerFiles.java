package dev.evalgate.engine.llamacpp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The Hugging Face tokenizer files of the default model: the bundled Llama 3 files made into Llama 3.1's by
 * renaming three special tokens and putting in the Llama 3.1 chat template.
 */
public final class Llama31TokenizerFiles {

    /** tokenizer.json on the npm registry is the Llama 3.0 release; 3.1 gave three reserved ids real names. */
    static final Map<Integer, String> LLAMA_3_1_RENAMES = Map.of(
            128004, "<|finetune_right_pad_id|>",
            128008, "<|eom_id|>",
            128010, "<|python_tag|>");

    static final String TOKENIZER_RESOURCE = "/evalgate/default-model/tokenizer.json";
    static final String TOKENIZER_CONFIG_RESOURCE = "/evalgate/default-model/tokenizer_config.json";
    static final String CHAT_TEMPLATE_RESOURCE = "/evalgate/default-model/chat_template.jinja";

    private Llama31TokenizerFiles() {
    }

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir} (if not there yet); returns dir. */
    public static Path ensure(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper mapper = new ObjectMapper();
        String template = new String(resource(CHAT_TEMPLATE_RESOURCE), StandardCharsets.UTF_8);

        ObjectNode tokenizer = (ObjectNode) mapper.readTree(resource(TOKENIZER_RESOURCE));
        for (JsonNode added : tokenizer.path("added_tokens")) {
            String renamed = LLAMA_3_1_RENAMES.get(added.path("id").asInt());
            if (renamed != null) {
                ((ObjectNode) added).put("content", renamed);
            }
        }
        ObjectNode config = (ObjectNode) mapper.readTree(resource(TOKENIZER_CONFIG_RESOURCE));
        JsonNode decoder = config.path("added_tokens_decoder");
        LLAMA_3_1_RENAMES.forEach((id, name) -> {
            if (decoder.get(String.valueOf(id)) instanceof ObjectNode entry) {
                entry.put("content", name);
            }
        });
        config.put("chat_template", template);
        config.put("bos_token", "<|begin_of_text|>");
        config.put("eos_token", "<|eot_id|>");
        config.put("model_max_length", 131072);

        write(dir.resolve("tokenizer.json"), mapper.writeValueAsBytes(tokenizer));
        write(dir.resolve("tokenizer_config.json"), mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
        return dir;
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = Llama31TokenizerFiles.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException(name + " is missing from the classpath: build with `mvn package`, which fetches "
                        + "the Llama 3.1 tokenizer files with npm");
            }
            return in.readAllBytes();
        }
    }

    private static void write(Path target, byte[] bytes) throws IOException {
        if (Files.exists(target) && java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
            return;
        }
        Path temp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
        Files.write(temp, bytes);
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
