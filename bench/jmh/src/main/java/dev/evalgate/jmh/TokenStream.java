package dev.evalgate.jmh;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import dev.evalgate.generation.Utf8StreamDecoder;

/** A deterministic stand-in for what a Llama 3 model streams in a MERA run: mixed Russian/English/emoji token pieces. */
public final class TokenStream {

    /** Tokens per benchmark invocation; a constant because {@code @OperationsPerInvocation} needs one. */
    public static final int TOKENS = 256;

    // No '\n' anywhere: the stop-matching benchmark must be able to feed this forever without a stop firing
    // (MERA's own stop is "\n"). The quotes and backslash make the JSON escaper do real work now and then.
    static final String TEXT = "Привет! Вот краткий ответ на ваш вопрос. The quick brown fox jumps over the lazy dog 🦊. "
            + "Москва — столица России, а Санкт-Петербург — её культурная столица 🏛️. Answer: 2, because «причина» "
            + "precedes «следствие». Функция sum_list(xs) returns the sum of the list 👍; она работает за O(n), "
            + "as he said: \"yes, it is linear\". Путь C:\\temp не нужен. Спасибо за внимание! 🙂 Let me know if you "
            + "need more details — буду рад помочь. Ёжик в тумане 🌫️ is a Soviet cartoon from 1975. ";

    private TokenStream() {
    }

    /** Exactly {@code count} byte pieces, ending on a character boundary so a decoder can be fed the stream again. */
    public static List<byte[]> pieces(int count) {
        Random random = new Random(42);
        List<byte[]> pieces = new ArrayList<>(count + 8);
        while (pieces.size() < count) {
            for (String token : roughTokens(random)) {
                byte[] bytes = token.getBytes(StandardCharsets.UTF_8);
                boolean emoji = token.codePoints().anyMatch(Character::isSupplementaryCodePoint);
                boolean cyrillic = token.chars().anyMatch(c -> Character.UnicodeBlock.of(c) == Character.UnicodeBlock.CYRILLIC);
                // Byte-level BPE splits most emoji and, now and then, a Cyrillic letter between two tokens.
                if (bytes.length > 1 && (emoji || (cyrillic && random.nextInt(10) == 0))) {
                    int cut = 1 + random.nextInt(bytes.length - 1);
                    pieces.add(Arrays.copyOfRange(bytes, 0, cut));
                    pieces.add(Arrays.copyOfRange(bytes, cut, bytes.length));
                } else {
                    pieces.add(bytes);
                }
                if (pieces.size() >= count) {
                    break;
                }
            }
        }
        // Merging the tail keeps the exact count without ending inside a character.
        while (pieces.size() > count) {
            byte[] last = pieces.remove(pieces.size() - 1);
            byte[] before = pieces.remove(pieces.size() - 1);
            byte[] merged = Arrays.copyOf(before, before.length + last.length);
            System.arraycopy(last, 0, merged, before.length, last.length);
            pieces.add(merged);
        }
        Utf8StreamDecoder check = new Utf8StreamDecoder();
        pieces.forEach(check::append);
        if (!check.flush().isEmpty()) {
            throw new IllegalStateException("token stream ends inside a character");
        }
        return List.copyOf(pieces);
    }

    /** Exactly {@code count} non-empty text deltas: the pieces decoded as the gateway decodes them, the empty ones (half a character) dropped. */
    public static List<String> texts(int count) {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        List<String> texts = new ArrayList<>(count);
        for (byte[] piece : pieces(count * 2)) {
            String text = decoder.append(piece);
            if (!text.isEmpty() && texts.size() < count) {
                texts.add(text);
            }
        }
        if (texts.size() < count) {
            throw new IllegalStateException("only " + texts.size() + " non-empty deltas");
        }
        return List.copyOf(texts);
    }

    /** Everything {@link #texts} yields, joined: what a stop string must never occur in. */
    public static String joined(List<String> texts) {
        return String.join("", texts);
    }

    // Roughly Llama 3's pre-tokeniser (a space sticks to the next word) and BPE merges: English words mostly whole,
    // Russian ones in 2-4 letter pieces, punctuation and each emoji on its own.
    private static List<String> roughTokens(Random random) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < TEXT.length()) {
            int start = i;
            int cp = TEXT.codePointAt(i);
            if (cp == ' ' && i + 1 < TEXT.length() && Character.isLetter(TEXT.codePointAt(i + 1))) {
                i++;
                cp = TEXT.codePointAt(i);
            }
            if (Character.isLetter(cp)) {
                boolean latin = cp < 0x80;
                int max = latin ? 8 : 2 + random.nextInt(3);
                int letters = 0;
                while (i < TEXT.length() && Character.isLetter(TEXT.codePointAt(i)) && letters < max) {
                    i += Character.charCount(TEXT.codePointAt(i));
                    letters++;
                }
            } else {
                i += Character.charCount(cp);
                // An emoji's variation selector belongs to it.
                if (i < TEXT.length() && TEXT.charAt(i) == '\uFE0F') {
                    i++;
                }
            }
            tokens.add(TEXT.substring(start, i));
        }
        return tokens;
    }
}
