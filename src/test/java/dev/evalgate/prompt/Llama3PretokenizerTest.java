package dev.evalgate.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.engine.llamacpp.Llama31TokenizerFiles;

/** The hand-written scanner cuts text exactly where Llama 3's pre-tokenizer regex does. */
class Llama3PretokenizerTest {

    private static final Pattern REGEX = Pattern.compile(Llama3Pretokenizer.PATTERN, Pattern.UNICODE_CHARACTER_CLASS);

    /** Code points each of which falls into a different branch of the regex, or sits at a boundary of one. */
    private static final String[] ALPHABET = {"a", "Z", "я", "Ё", "ǅ", "ʰ", "中", "𝔸", "𤹏", "0", "7", "٣", "½", "Ⅻ", "𝟘",
        " ", "\t", "\n", "\r", "\u000b", "\u000c", "\u0085", "\u00a0", "\u1680", "\u2003", "\u2028", "\u2029", "\u202f",
        "\u3000", "\u180e", "\u200b", "\u001c", "'", "s", "S", "ſ", "t", "T", "r", "R", "e", "E", "v", "V", "m", "M", "l",
        "L", "d", "D", "k", "K", "!", ".", ",", "-", "—", "«", "😀", "👍🏽", "\u0301", "\u0000", "\ufeff", "\ud800",
        "\udc00", "$", "_", "\u00ad"};

    private static List<String> byRegex(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = REGEX.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                out.add("gap:" + text.substring(last, m.start()));
            }
            out.add(m.group());
            last = m.end();
        }
        if (last < text.length()) {
            out.add("gap:" + text.substring(last));
        }
        return out;
    }

    private static List<String> byScanner(String text) {
        List<String> out = new ArrayList<>();
        Llama3Pretokenizer.split(text, 0, text.length(), (from, to) -> out.add(text.substring(from, to)));
        return out;
    }

    @Test
    void cutsRandomTextWhereTheRegexDoes() {
        Random random = new Random(3);
        for (int i = 0; i < 200_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + random.nextInt(i % 100 == 0 ? 60 : 10);
            for (int k = 0; k < n; k++) {
                sb.append(ALPHABET[random.nextInt(ALPHABET.length)]);
            }
            String text = sb.toString();
            assertEquals(byRegex(text), byScanner(text), () -> new ObjectMapper().valueToTree(text).toString());
        }
    }

    @Test
    void cutsEveryCodePointWhereTheRegexDoes() {
        StringBuilder all = new StringBuilder();
        for (int cp = 0; cp <= 0x2FFFF; cp++) {
            if (!Character.isSurrogate((char) cp) || cp > 0xFFFF) {
                all.setLength(0);
                // the code point between a letter, a space and a line break on each side, and next to itself
                String c = new String(Character.toChars(cp));
                all.append("a").append(c).append(" ").append(c).append(c).append("\n").append(c).append("1").append(c);
                String text = all.toString();
                assertEquals(byRegex(text), byScanner(text), () -> "U+" + Integer.toHexString(text.codePointAt(1)));
            }
        }
    }

    @Test
    void isTheRegexOfTheDefaultModelsTokenizer(@TempDir Path dir) throws Exception {
        Path json = Llama31TokenizerFiles.ensure(dir).resolve("tokenizer.json");
        assertEquals(Llama3Pretokenizer.PATTERN, new ObjectMapper().readTree(Files.readAllBytes(json))
                .path("pre_tokenizer").path("pretokenizers").get(0).path("pattern").path("Regex").asText());
    }
}
