package dev.evalgate.prompt;

/**
 * Llama 3's pre-tokenizer regex, {@value #PATTERN}, as a hand-written scanner: the same pieces as
 * {@code Pattern.compile(PATTERN, UNICODE_CHARACTER_CLASS)} gives with {@code find()}, several times faster, because
 * it decides each alternative by the class of a code point or two instead of backtracking through them. Each
 * alternative below is what the regex engine's leftmost-first, greedy-with-backtracking search ends with:
 *
 * <ol>
 * <li>{@code (?i:'s|'t|'re|'ve|'m|'ll|'d)}: an apostrophe and the contraction, any case;</li>
 * <li>{@code [^\r\n\p{L}\p{N}]?\p{L}+}: a run of letters, with the one code point before it if that is neither a
 * line break, a letter nor a number;</li>
 * <li>{@code \p{N}{1,3}}: up to three numbers;</li>
 * <li>{@code " ?[^\s\p{L}\p{N}]+[\r\n]*"}: a run of other code points, with a space before it, and line breaks
 * after;</li>
 * <li>{@code \s*[\r\n]+}: whitespace up to and including its last line break (when it has one);</li>
 * <li>{@code \s+(?!\S)}: whitespace but its last code point when something follows it (the regex backs off one so that
 * the next piece can take it as its leading space); all of it at the end of the text;</li>
 * <li>{@code \s+}: the one whitespace code point that is left before something else.</li>
 * </ol>
 *
 * {@code \s} is Unicode's White_Space, {@code \p{L}} and {@code \p{N}} the letter and number categories of this JVM's
 * Unicode tables. The tests compare it with the regex on random text.
 */
final class Llama3Pretokenizer {

    /** The pattern of Llama 3's (and 3.1's) {@code tokenizer.json}. */
    static final String PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final byte LETTER = 1;
    private static final byte NUMBER = 2;
    private static final byte SPACE = 3;
    private static final byte LINE_BREAK = 4;
    private static final byte OTHER = 5;
    private static final byte[] ASCII = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            ASCII[c] = classify(c);
        }
    }

    /** Receives the pieces, in order: {@code [from, to)} of the text. */
    interface Pieces {
        void piece(int from, int to);
    }

    private Llama3Pretokenizer() {
    }

    /** Cuts {@code text[from, to)} into pieces; every code point lands in exactly one. */
    static void split(CharSequence text, int from, int to, Pieces out) {
        int i = from;
        while (i < to) {
            int end = pieceEnd(text, i, to);
            out.piece(i, end);
            i = end;
        }
    }

    private static int pieceEnd(CharSequence text, int i, int to) {
        int c = codePoint(text, i, to);
        int next = i + Character.charCount(c);
        byte kind = kind(c);
        if (c == '\'' && next < to) {
            int contraction = contraction(text, next, to);
            if (contraction > 0) {
                return contraction;
            }
        }
        if (kind == LETTER) {
            return letters(text, next, to);
        }
        if (kind == NUMBER) {
            int end = next;
            for (int n = 1; n < 3 && end < to; n++) {
                int d = codePoint(text, end, to);
                if (kind(d) != NUMBER) {
                    break;
                }
                end += Character.charCount(d);
            }
            return end;
        }
        // a non-letter, non-number, non-line-break code point joins the letters right after it
        if (kind != LINE_BREAK && next < to && kind(codePoint(text, next, to)) == LETTER) {
            return letters(text, next, to);
        }
        if (kind == OTHER) {
            return lineBreaks(text, others(text, next, to), to);
        }
        if (c == ' ' && next < to && kind(codePoint(text, next, to)) == OTHER) {
            return lineBreaks(text, others(text, next, to), to);
        }
        // whitespace: the run from i, and its last line break
        int runEnd = next;
        int lastBreak = kind == LINE_BREAK ? i : -1;
        while (runEnd < to) {
            int w = codePoint(text, runEnd, to);
            byte k = kind(w);
            if (k != SPACE && k != LINE_BREAK) {
                break;
            }
            if (k == LINE_BREAK) {
                lastBreak = runEnd;
            }
            runEnd += Character.charCount(w);
        }
        if (lastBreak >= 0) {
            return lastBreak + 1;
        }
        if (runEnd == to) {
            return to;
        }
        // all but the last whitespace code point (all whitespace is in the Basic Multilingual Plane), or that one alone
        return runEnd - 1 > i ? runEnd - 1 : runEnd;
    }

    /** The end of {@code 's|'t|'re|'ve|'m|'ll|'d} (case-insensitive) after an apostrophe at {@code at - 1}, or -1. */
    private static int contraction(CharSequence text, int at, int to) {
        char a = text.charAt(at);
        if (is(a, 's') || is(a, 't') || is(a, 'm') || is(a, 'd')) {
            return at + 1;
        }
        if (at + 1 < to) {
            char b = text.charAt(at + 1);
            if ((is(a, 'r') || is(a, 'v')) && is(b, 'e') || is(a, 'l') && is(b, 'l')) {
                return at + 2;
            }
        }
        return -1;
    }

    /** Whether {@code c} matches the lower-case ASCII letter {@code lower} case-insensitively (Unicode case folding). */
    private static boolean is(char c, char lower) {
        // only the long s (U+017F) folds to one of these letters from outside ASCII
        return c == lower || c == lower - 32 || lower == 's' && c == '\u017f';
    }

    private static int letters(CharSequence text, int i, int to) {
        return run(text, i, to, LETTER);
    }

    private static int others(CharSequence text, int i, int to) {
        return run(text, i, to, OTHER);
    }

    /** The end of the run of code points of one kind from {@code i}. */
    private static int run(CharSequence text, int i, int to, byte kind) {
        while (i < to) {
            int c = codePoint(text, i, to);
            if (kind(c) != kind) {
                break;
            }
            i += Character.charCount(c);
        }
        return i;
    }

    private static int lineBreaks(CharSequence text, int i, int to) {
        while (i < to && (text.charAt(i) == '\r' || text.charAt(i) == '\n')) {
            i++;
        }
        return i;
    }

    private static int codePoint(CharSequence text, int i, int to) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
            return Character.toCodePoint(c, text.charAt(i + 1));
        }
        return c;
    }

    private static byte kind(int c) {
        return c < 128 ? ASCII[c] : classify(c);
    }

    private static byte classify(int c) {
        if (c == '\r' || c == '\n') {
            return LINE_BREAK;
        }
        if (isWhiteSpace(c)) {
            return SPACE;
        }
        switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER:
                return NUMBER;
            default:
                return OTHER;
        }
    }

    /** Unicode's White_Space property, which {@code \s} means under {@code UNICODE_CHARACTER_CLASS}. */
    private static boolean isWhiteSpace(int c) {
        return c >= 0x09 && c <= 0x0D || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || c >= 0x2000 && c <= 0x200A || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }
}
