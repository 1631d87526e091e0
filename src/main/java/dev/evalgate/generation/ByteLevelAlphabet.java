package dev.evalgate.generation;

import java.util.Arrays;

/**
 * GPT-2's byte-level alphabet ({@code bytes_to_unicode}), as byte-level BPE vocabularies such as Llama 3's write their
 * entries: printable Latin-1 bytes stand for themselves, every other byte for a character from U+0100 on.
 */
public final class ByteLevelAlphabet {

    private static final char[] CHARS = new char[256];
    private static final int[] BYTES = new int[512];

    static {
        Arrays.fill(BYTES, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            CHARS[b] = printable ? (char) b : (char) next++;
            BYTES[CHARS[b]] = b;
        }
    }

    private ByteLevelAlphabet() {
    }

    /** The character that stands for byte {@code b} (0–255). */
    public static char charOf(int b) {
        return CHARS[b];
    }

    /** The byte character {@code c} stands for, or -1 when it stands for none. */
    public static int byteOf(char c) {
        return c < BYTES.length ? BYTES[c] : -1;
    }
}
