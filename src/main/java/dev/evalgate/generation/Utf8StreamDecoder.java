package dev.evalgate.generation;

/**
 * Turns token byte pieces into text without ever splitting a character, replacing bad bytes the way
 * Python's {@code bytes.decode("utf-8", errors="replace")} does.
 */
public final class Utf8StreamDecoder {

    private static final char REPLACEMENT = '\uFFFD';

    // Hand-written rather than CharsetDecoder/new String: Java folds an encoded surrogate (ED A0 80)
    // into one U+FFFD, while Python (and the Unicode maximal-subpart rule) gives one per byte.
    private final StringBuilder out = new StringBuilder();
    /** Continuation bytes still needed by the held-back sequence; 0 when nothing is held. */
    private int needed;
    private int codePoint;
    /** Allowed range of the next continuation byte; narrower after E0, ED, F0, F4 to reject overlongs, surrogates and > U+10FFFF. */
    private int low;
    private int high;

    public Utf8StreamDecoder() {
    }

    /** Appends the bytes of one token's piece; returns the complete characters now decodable (possibly ""). Holds back a trailing incomplete UTF-8 sequence. */
    public String append(byte[] piece) {
        if (piece.length == 0) {
            return "";
        }
        out.setLength(0);
        for (byte value : piece) {
            accept(value & 0xFF);
        }
        return out.length() == 0 ? "" : out.toString();
    }

    /** End of stream: returns whatever is held back, malformed/incomplete bytes replaced by U+FFFD (like Python's bytes.decode(errors="replace")). */
    public String flush() {
        if (needed == 0) {
            return "";
        }
        needed = 0;
        return String.valueOf(REPLACEMENT);
    }

    private void accept(int b) {
        if (needed > 0) {
            if (b >= low && b <= high) {
                codePoint = (codePoint << 6) | (b & 0x3F);
                low = 0x80;
                high = 0xBF;
                if (--needed == 0) {
                    out.appendCodePoint(codePoint);
                }
                return;
            }
            // The held bytes are a maximal subpart: one U+FFFD for all of them, then b starts afresh.
            out.append(REPLACEMENT);
            needed = 0;
        }
        if (b < 0x80) {
            out.append((char) b);
            return;
        }
        low = 0x80;
        high = 0xBF;
        if (b >= 0xC2 && b <= 0xDF) {
            needed = 1;
            codePoint = b & 0x1F;
        } else if (b >= 0xE0 && b <= 0xEF) {
            needed = 2;
            codePoint = b & 0x0F;
            if (b == 0xE0) {
                low = 0xA0;
            } else if (b == 0xED) {
                high = 0x9F;
            }
        } else if (b >= 0xF0 && b <= 0xF4) {
            needed = 3;
            codePoint = b & 0x07;
            if (b == 0xF0) {
                low = 0x90;
            } else if (b == 0xF4) {
                high = 0x8F;
            }
        } else {
            // Stray continuation byte, C0/C1 (always overlong) or F5..FF (beyond U+10FFFF).
            out.append(REPLACEMENT);
        }
    }
}
