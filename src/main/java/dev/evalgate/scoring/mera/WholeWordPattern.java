package dev.evalgate.scoring.mera;

import java.util.List;
import java.util.Optional;

import dev.evalgate.python.PythonText;

/**
 * Python's {@code re} pattern {@code \b(alt1|alt2|...)\b} over literal alternatives, with Python's word characters.
 *
 * <p>Hand-matched rather than compiled to a Java regex: under {@code UNICODE_CHARACTER_CLASS} Java 17's {@code \b}
 * counts combining marks and joiners as word characters and "²"/"½" as non-word, and its look-behind reads half a
 * surrogate pair; each of those turns a Python match into a miss or the reverse.
 */
public final class WholeWordPattern {

    private final List<String> alternatives;

    /** @param alternatives tried in order at each position, as Python's alternation is; each starts and ends with a word character */
    public WholeWordPattern(List<String> alternatives) {
        for (String alt : alternatives) {
            if (alt.isEmpty() || !PythonText.isWordChar(alt.codePointAt(0))
                    || !PythonText.isWordChar(alt.codePointBefore(alt.length()))) {
                throw new IllegalArgumentException("alternative must start and end with a word character: " + alt);
            }
        }
        this.alternatives = List.copyOf(alternatives);
    }

    /** The first whole-word match ({@code re.search(...).group(1)}), or empty. */
    public Optional<String> first(String text) {
        for (int i = 0; i < text.length(); i += Character.charCount(text.codePointAt(i))) {
            String hit = matchAt(text, i);
            if (hit != null) {
                return Optional.of(hit);
            }
        }
        return Optional.empty();
    }

    /** {@code re.sub(pattern, replacement, text)}: non-overlapping matches, left to right. */
    public String replaceAll(String text, String replacement) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            String hit = matchAt(text, i);
            if (hit != null) {
                out.append(replacement);
                i += hit.length();
            } else {
                int cp = text.codePointAt(i);
                out.appendCodePoint(cp);
                i += Character.charCount(cp);
            }
        }
        return out.toString();
    }

    private String matchAt(String text, int i) {
        if (i > 0 && PythonText.isWordChar(text.codePointBefore(i))) {
            return null;
        }
        for (String alt : alternatives) {
            int end = i + alt.length();
            if (text.startsWith(alt, i) && (end == text.length() || !PythonText.isWordChar(text.codePointAt(end)))) {
                return alt;
            }
        }
        return null;
    }
}
