package dev.evalgate.python;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Python 3 {@code str} semantics that MERA's scoring leans on and Java spells differently: whitespace, word characters,
 * splitting, lowercasing, {@code float()} and string ordering.
 */
public final class PythonText {

    /** Code point order, as Python compares strings; {@link String#compareTo} compares UTF-16 units instead. */
    public static final Comparator<String> CODE_POINT_ORDER = PythonText::compareCodePoints;

    // Python's float() grammar after strip() and digit folding: underscores only between digits, inf/infinity/nan.
    private static final String DIGITS = "[0-9](?:_?[0-9])*";
    private static final Pattern FLOAT_LITERAL = Pattern.compile("[+-]?(?:(?:" + DIGITS + "(?:\\.(?:" + DIGITS + ")?)?|\\."
            + DIGITS + ")(?:[eE][+-]?" + DIGITS + ")?|(?i:inf|infinity|nan))");

    private PythonText() {
    }

    /**
     * Python's {@code str.isspace()} for one code point: bidi class WS/B/S or category Zs. Unlike Java's
     * {@link Character#isWhitespace}, it includes U+00A0, U+2007, U+202F, U+0085 and U+001C–U+001F.
     */
    public static boolean isSpace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F,
                    0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    /**
     * Whether Python's {@code re} counts the code point as {@code \w} in a str pattern: {@code isalnum()} or
     * {@code _}. That is letters (L*) and every numeric (Nd, Nl, No: "²" and "½" are word characters), but not the
     * combining marks or join controls that Java's {@code UNICODE_CHARACTER_CLASS} adds to {@code \w}.
     */
    public static boolean isWordChar(int cp) {
        if (cp == '_' || Character.isLetter(cp)) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER || type == Character.OTHER_NUMBER;
    }

    /** Python's {@code \d} in a str pattern: Unicode decimal digits (Nd), not only ASCII. */
    public static boolean isDecimal(int cp) {
        return Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER;
    }

    /** {@code s.lstrip()}. */
    public static String lstrip(String s) {
        return lstrip(s, null);
    }

    /** {@code s.rstrip()}. */
    public static String rstrip(String s) {
        return rstrip(s, null);
    }

    /** {@code s.strip()}. */
    public static String strip(String s) {
        return strip(s, null);
    }

    /** {@code s.strip(chars)}: with null {@code chars}, Python whitespace (which unlike Java's includes NBSP and NEL). */
    public static String strip(String s, String chars) {
        return rstrip(lstrip(s, chars), chars);
    }

    /** {@code s.lstrip(chars)}; null {@code chars} strips Python whitespace. */
    public static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!stripped(cp, chars)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return s.substring(i);
    }

    /** {@code s.rstrip(chars)}; null {@code chars} strips Python whitespace. */
    public static String rstrip(String s, String chars) {
        int end = s.length();
        while (end > 0) {
            int cp = s.codePointBefore(end);
            if (!stripped(cp, chars)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(cp) >= 0;
    }

    /** {@code s.split()}: runs of Python whitespace separate, no empty strings at either end. */
    public static List<String> split(String s) {
        List<String> parts = new ArrayList<>();
        int start = -1;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (isSpace(cp)) {
                if (start >= 0) {
                    parts.add(s.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) {
            parts.add(s.substring(start));
        }
        return parts;
    }

    /**
     * {@code s.split(sep)}: every separator splits and empty pieces are kept ({@code "1,3,".split(",")} has three),
     * unlike {@link String#split}, which drops trailing empties and takes a regex.
     */
    public static List<String> split(String s, String sep) {
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        List<String> parts = new ArrayList<>();
        int from = 0;
        int at;
        while ((at = s.indexOf(sep, from)) >= 0) {
            parts.add(s.substring(from, at));
            from = at + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    /**
     * {@code s.lower()}: full Unicode lowercasing. Java's root-locale lowercasing agrees on every code point both
     * know, including the two-char result of 'İ' (U+0130 → "i̇") and the final-sigma rule; the only differences found
     * (40 code points) are letters added after Java 17's Unicode 13, which Java leaves unchanged.
     */
    public static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /**
     * Python's {@code float(s)}: surrounding whitespace allowed, underscores between digits, inf/nan; no hex and no
     * Java suffixes like {@code "1d"}.
     *
     * @throws NumberFormatException where Python raises ValueError
     */
    public static double parseFloat(String s) {
        String t = asciiDigits(strip(s));
        if (!FLOAT_LITERAL.matcher(t).matches()) {
            throw new NumberFormatException("could not convert string to float: '" + s + "'");
        }
        String plain = t.replace("_", "").toLowerCase(Locale.ROOT);
        boolean negative = plain.startsWith("-");
        String unsigned = negative || plain.startsWith("+") ? plain.substring(1) : plain;
        if (unsigned.equals("inf") || unsigned.equals("infinity")) {
            return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (unsigned.equals("nan")) {
            return Double.NaN;
        }
        return Double.parseDouble(plain);
    }

    // float() reads any Unicode decimal digit ("١" is 1.0); Double.parseDouble reads only ASCII ones.
    private static String asciiDigits(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (isDecimal(cp)) {
                out.append((char) ('0' + Character.digit(cp, 10)));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
