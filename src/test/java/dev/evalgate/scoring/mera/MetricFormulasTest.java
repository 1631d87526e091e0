package dev.evalgate.scoring.mera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.evalgate.python.PythonText;

/**
 * The server's formulas one by one. Every expected value is printed by {@code src/test/python/expected_values.py
 * MetricFormulasTest}: our own re-implementation of MERA's published rules (f1_macro and MCC as scikit-learn 1.0.2
 * computes them, SQuAD normalisation, USE grades, pass@k, Python and numpy means) run on CPython 3.11 / numpy 2.4.
 */
class MetricFormulasTest {

    private static final double TOLERANCE = 1e-12;

    @ParameterizedTest(name = "f1_macro({0} | {1}) = {2}")
    @CsvSource(delimiter = '|', value = {
            "1 2 3 1     | 1 2 -1 1      | 0.5",                 // "-1" is a class with F=0; label 3 never predicted
            "A B C D A B | A B B D -1 A  | 0.4",
            "A B C       | A B C         | 1.0",
            "B B         | B B           | 1.0",                 // one label only
            "1 1 2 2 3   | 3 3 3 3 3     | 0.11111111111111112"})
    void f1MacroOverTheUnionOfLabels(String golds, String preds, double expected) {
        assertEquals(expected, F1Macro.of(words(golds), words(preds)), TOLERANCE);
    }

    @ParameterizedTest(name = "mcc({0} | {1}) = {2}")
    @CsvSource(delimiter = '|', value = {
            "0 1 0 1       | 0 1 0 1         | 1.0",
            "0 1 0 1       | 1 0 1 0         | -1.0",
            "1 1 1         | 1 1 1           | 0.0",               // degenerate: one class everywhere
            "0 1 0 1       | 1 1 1 1         | 0.0",               // degenerate: constant prediction
            "1 0 1 0 1     | 1 -1 1 0 0      | 0.36084391824351614", // "-1" is a third class
            "1 1 0 0 1 0 1 | 1 0 0 1 1 -1 -1 | 0.10825317547305484"})
    void matthewsCorrelationMulticlass(String golds, String preds, double expected) {
        assertEquals(expected, MatthewsCorrelation.of(numbers(golds), numbers(preds)), TOLERANCE);
    }

    @Test
    void matthewsRejectsWhatSklearnCallsContinuous() {
        assertThrows(UnscorableAnswerException.class, () -> MatthewsCorrelation.of(new double[] {0.5, 1}, new double[] {1, 1}));
    }

    @ParameterizedTest(name = "squad({0} | {1}) = f1 {2}, em {3}")
    @CsvSource(delimiter = '|', value = {
            "The Moscow      | Moscow             | 1.0                | 1",   // article dropped
            "«Война и мир»   | Война и мир        | 0.3333333333333333 | 0",   // «» are not string.punctuation
            "Пушкин!         | пушкин             | 1.0                | 1",
            "Толстой         | Пушкин;Лев Толстой | 0.6666666666666666 | 0",   // best alternative
            "theatre         | atre               | 0.0                | 0",   // no \\b inside a word
            "Иван—Грозный    | Иван Грозный       | 0.0                | 0",   // em dash kept: one token
            "Лев Толстой Лев | лев толстой;       | 0.8                | 0",   // repeated token counted once
            "an apple a day  | Apple day          | 1.0                | 1",
            "İstanbul        | i̇stanbul          | 1.0                | 1"})
    void squadAgainstTheBestAlternative(String prediction, String gold, double f1, double em) {
        double bestF1 = 0;
        double bestEm = 0;
        for (String alternative : PythonText.split(gold, ";")) {
            bestF1 = Math.max(bestF1, SquadMetrics.f1(prediction, alternative));
            bestEm = Math.max(bestEm, SquadMetrics.exact(prediction, alternative));
        }
        assertEquals(f1, bestF1, TOLERANCE);
        assertEquals(em, bestEm);
    }

    @Test
    void squadEmptySidesAndUnicodeWhitespace() {
        assertEquals(0.0, SquadMetrics.f1("", "ответ"));
        assertEquals(1.0, SquadMetrics.f1("a the an", ""));   // both normalise to no tokens
        assertEquals(1.0, SquadMetrics.exact("a the an", ""));
        assertEquals(1.0, SquadMetrics.f1("НЕТ\u00a0ответа", "нет ответа"));
        assertEquals("«война и мир»", SquadMetrics.normalize("«Война и мир»"));
    }

    @ParameterizedTest(name = "matching(8,1,9,7 | {0}) = {1}")
    @CsvSource(delimiter = '|', value = {"8,1,7,9 | 2", "8,1,9 | 0", "8,1,9,7, | 0", "8,1,9,7 | 4", "8, 1,9,7 | 3"})
    void useMatching(String prediction, int score) {
        assertEquals(score, UseGrades.matching("8,1,9,7", prediction));
    }

    @ParameterizedTest(name = "text(город,село | {0}) = {1}")
    @CsvSource(delimiter = '|', value = {
            "1) Город! | 1", "Горо д | 1", "город_ | 0", "ГОРОД2 | 1", "Сёла | 0", "'село ' | 1", "²город | 0"})
    void useText(String prediction, int score) {
        assertEquals(score, UseGrades.text("город,село", prediction));
    }

    @ParameterizedTest(name = "multiple choice(1,3 | {0}) = {1}")
    @CsvSource(delimiter = '|', value = {"3,1 | 1", "'1, 3' | 0", "1,3,3 | 1", "1 | 0", "1,3, | 0"})
    void useMultipleChoiceIsAllOrNothingOnSets(String prediction, int score) {
        assertEquals(score, UseGrades.multipleChoice("1,3", prediction, false));
    }

    @ParameterizedTest(name = "task16(1,3 | {0}) = {1}")
    @CsvSource(delimiter = '|', value = {"1,3 | 2", "1 | 1", "1,2 | 1", "1,2,3 | 1", "2,4,5 | 0", "1,2,4,5 | 0", "1,1 | 1", "3,1 | 2"})
    void useTask16LosesAPointPerWrongOrExtraChoice(String prediction, int score) {
        assertEquals(score, UseGrades.multipleChoice("1,3", prediction, true));
        assertEquals(score, UseGrades.itemScore("multiple_choice_based_on_text", "16", "1,3", prediction));
    }

    @Test
    void useTask16RuleNeedsTheStringId() {
        assertEquals(0, UseGrades.itemScore("multiple_choice_based_on_text", "15", "1,3", "1"));
        assertEquals(0, UseGrades.itemScore("multiple_choice_based_on_text", null, "1,3", "1"));
    }

    @ParameterizedTest(name = "pass@{2} with n={0}, c={1} = {3}")
    @CsvSource({
            "10, 0, 1, 0.0", "10, 10, 1, 1.0", "10, 3, 1, 0.30000000000000004", "10, 3, 5, 0.9166666666666666",
            "10, 3, 10, 1.0", "3, 0, 5, 1.0", "1, 0, 1, 0.0", "10, 1, 1, 0.09999999999999998", "10, 1, 5, 0.5",
            "10, 1, 10, 1.0", "10, 5, 5, 0.996031746031746", "7, 2, 5, 0.9523809523809524", "0, 0, 1, 1.0"})
    void passAtKAsTheServerComputesIt(int n, int c, int k, double expected) {
        assertEquals(expected, PassAtK.estimate(n, c, k), TOLERANCE);
    }

    @Test
    void meansSumTheWayPythonAndNumpyDo() {
        // sum([0.1] * 10) / 10 == 0.09999999999999999, np.mean([0.1] * 10) == 0.1: exact, not within a tolerance
        List<Double> tenths = Collections.nCopies(10, 0.1);
        assertEquals(0.09999999999999999, Mean.python(tenths));
        assertEquals(0.1, Mean.numpy(tenths));
        // np.mean([1/3] * 200) == 0.33333333333333326 (recursive pairwise blocks), Python gives 0.333333333333334
        List<Double> thirds = Collections.nCopies(200, 1.0 / 3);
        assertEquals(0.33333333333333326, Mean.numpy(thirds));
        assertEquals(0.333333333333334, Mean.python(thirds));
        assertEquals(15.05, Mean.numpy(IntStream.rangeClosed(1, 300).mapToObj(i -> 0.1 * i).toList()));
        assertEquals(0.0, Mean.python(List.of()));
    }

    private static List<String> words(String s) {
        return PythonText.split(s);
    }

    private static double[] numbers(String s) {
        return Arrays.stream(s.trim().split(" +")).mapToDouble(Double::parseDouble).toArray();
    }
}
