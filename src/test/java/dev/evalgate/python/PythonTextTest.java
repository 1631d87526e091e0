package dev.evalgate.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Python str semantics; expected values are what CPython 3.11 prints for the same calls
 * ({@code src/test/python/expected_values.py PythonTextTest}).
 */
class PythonTextTest {

    // [hex(c) for c in range(0x110000) if chr(c).isspace()] on CPython 3.11
    @ParameterizedTest
    @ValueSource(ints = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001,
            0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000})
    void pythonWhitespace(int cp) {
        assertEquals(true, PythonText.isSpace(cp));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x200B, 0x180E, 0xFEFF, 0x2060, 'a', '_', 0x1B, 0x0E})
    void notPythonWhitespace(int cp) {
        assertEquals(false, PythonText.isSpace(cp));
    }

    static Stream<Arguments> strips() {
        // (text, lstrip(), strip())
        return Stream.of(
                Arguments.of("\u00a0ответ ", "ответ ", "ответ"),
                Arguments.of("\u2003\u202f\u205f\u3000x\u0085", "x\u0085", "x"),
                Arguments.of("\u001c\u001fx", "x", "x"),
                Arguments.of("\u200bx", "\u200bx", "\u200bx"),
                Arguments.of("   ", "", ""),
                Arguments.of("", "", ""));
    }

    @ParameterizedTest
    @MethodSource("strips")
    void stripsPythonWhitespace(String text, String lstripped, String stripped) {
        assertEquals(lstripped, PythonText.lstrip(text));
        assertEquals(stripped, PythonText.strip(text));
    }

    @Test
    void splitsOnRunsOfUnicodeWhitespace() {
        assertEquals(List.of("нет", "ответа", "x"), PythonText.split("  нет\u00a0ответа\u2028\u3000x "));
        assertEquals(List.of(), PythonText.split(" \u00a0 "));
    }

    @Test
    void splitWithSeparatorKeepsEmptyPieces() {
        // "1,3,".split(",") == ['1', '3', ''];  ";a;;".split(";") == ['', 'a', '', '']
        assertEquals(List.of("1", "3", ""), PythonText.split("1,3,", ","));
        assertEquals(List.of("", "a", "", ""), PythonText.split(";a;;", ";"));
        assertEquals(List.of(""), PythonText.split("", ","));
    }

    @ParameterizedTest
    @CsvSource({
            "ΟΔΟΣ, οδος",     // final sigma: the last Σ becomes ς in Python too
            "İ, i̇",          // U+0130 → "i" + U+0307, two code points in both
            "ǅ, ǆ",
            "ÉCOLE, école",
            "ПУШКИН, пушкин"})
    void lowersLikePython(String text, String lowered) {
        assertEquals(lowered, PythonText.lower(text));
    }

    @Test
    void finalSigmaIsExplicit() {
        assertEquals("\u03bf\u03b4\u03bf\u03c2", PythonText.lower("\u039f\u0394\u039f\u03a3"));
    }

    // [(hex(c), chr(c).isalnum() or chr(c) == "_") for c in ...]: "²", "½", "Ⅻ" are word characters, marks and joiners not
    @ParameterizedTest
    @CsvSource({
            "0x61, true", "0x5F, true", "0x439, true", "0x37, true", "0xB2, true", "0xBD, true", "0x216B, true",
            "0x2D, false", "0xAB, false", "0x301, false", "0x200D, false", "0x203F, false"})
    void wordCharactersAreIsalnumOrUnderscore(String hex, boolean word) {
        assertEquals(word, PythonText.isWordChar(Integer.decode(hex)), hex);
    }

    @ParameterizedTest
    @CsvSource({"1, 1.0", "'-1', -1.0", "' 0 ', 0.0", "1_0, 10.0", "1., 1.0", ".5, 0.5", "1e1, 10.0", "٣, 3.0", "-inf, -Infinity"})
    void parsesFloatsLikePython(String text, double value) {
        assertEquals(value, PythonText.parseFloat(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-", "1d", "0x1", "1__0", "_1", "1 0", "один"})
    void rejectsWhatPythonFloatRejects(String text) {
        assertThrows(NumberFormatException.class, () -> PythonText.parseFloat(text));
    }

    @Test
    void ordersByCodePointNotUtf16() {
        // U+FF21 (fullwidth A) sorts before U+1F600 in Python; UTF-16 comparison puts the surrogate pair first
        String fullwidth = "\uff21";
        String emoji = new String(Character.toChars(0x1F600));
        assertEquals(true, PythonText.CODE_POINT_ORDER.compare(fullwidth, emoji) < 0);
        assertEquals(true, fullwidth.compareTo(emoji) > 0);
    }
}
