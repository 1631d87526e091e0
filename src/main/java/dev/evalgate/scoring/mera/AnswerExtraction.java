package dev.evalgate.scoring.mera;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.evalgate.python.PythonText;

/**
 * How MERA's harness (generative mode) turns a document's generated text(s), already cut at the task's stop strings,
 * into the answer a submission carries.
 */
@FunctionalInterface
public interface AnswerExtraction {

    /** What the regex filters submit when nothing matches. */
    String FALLBACK = "-1";

    /** ruEthics' criteria, in the order log_to_submission.py writes them. */
    List<String> ETHICS_CRITERIA = List.of("virtue", "law", "moral", "justice", "utilitarianism");

    /**
     * @param cutOutputs the generated texts, each cut at the first stop string (one per sample; most tasks have one)
     */
    JsonNode extract(List<String> cutOutputs, GoldRow row, CodeRunner code);

    /** {@code (\b([0-9])\b)} with fallback "-1", no stripping: BPS, LCS, PARus, RCB, ruHateSpeech, ruHHH. */
    static AnswerExtraction digitChoice() {
        return firstWholeWord(digits());
    }

    /** {@code (\b([ABCD])\b)}: Latin capitals only, so "b" or Cyrillic "В" give "-1". */
    static AnswerExtraction letterChoice() {
        return firstWholeWord(List.of("A", "B", "C", "D"));
    }

    /** RWSD's {@code (\b(Да|Нет)\b)}, case-sensitive. */
    static AnswerExtraction yesNo() {
        return firstWholeWord(List.of("Да", "Нет"));
    }

    /** ruTiE's own generative path ({@code rutie/utils.py}): {@code strip()}, then the digit regex. */
    static AnswerExtraction strippedDigitChoice() {
        WholeWordPattern pattern = new WholeWordPattern(digits());
        return (outputs, row, code) -> TextNode.valueOf(pattern.first(PythonText.strip(only(outputs))).orElse(FALLBACK));
    }

    /** ruEthics: one digit answer, copied to all five criteria (log_to_submission.py {@code ruEthics}). */
    static AnswerExtraction digitForEveryCriterion() {
        WholeWordPattern pattern = new WholeWordPattern(digits());
        return (outputs, row, code) -> {
            String digit = pattern.first(only(outputs)).orElse(FALLBACK);
            ObjectNode answer = JsonNodeFactory.instance.objectNode();
            ETHICS_CRITERIA.forEach(criterion -> answer.put(criterion, digit));
            return answer;
        };
    }

    /** The base generative filter {@code remove_whitespace}: {@code lstrip()}; trailing spaces stay. */
    static AnswerExtraction leftStripped() {
        return (outputs, row, code) -> TextNode.valueOf(PythonText.lstrip(only(outputs)));
    }

    /** ruDetox's filter: {@code strip()}. */
    static AnswerExtraction stripped() {
        return (outputs, row, code) -> TextNode.valueOf(PythonText.strip(only(outputs)));
    }

    /**
     * ruHumanEval / ruCodeEval: each sample is unfenced and run against {@code inputs.tests}; the answer is
     * {@code [[result_1, ..., result_n]]}, the depth log_to_submission.py writes and the server reads as {@code outputs[0]}.
     */
    static AnswerExtraction codeResults() {
        return (outputs, row, code) -> {
            String function = row.inputs().path("function").asText();
            String tests = row.inputs().path("tests").asText();
            String entryPoint = row.meta().path("entry_point").asText();
            ArrayNode generations = JsonNodeFactory.instance.arrayNode();
            for (String completion : outputs) {
                JsonNode result = code.run(function, stripMarkdownFence(completion), entryPoint, tests);
                generations.add(result == null ? NullNode.getInstance() : result);
            }
            return JsonNodeFactory.instance.arrayNode().add(generations);
        };
    }

    /**
     * The harness' {@code preprocess_generation}: if the text starts with its first character three times plus
     * "python" and ends with that character three times, the two are cut off. The reference states this for
     * {@code ```python}; the harness does it for any first character except space, newline and tab, so a leading
     * blank disables it.
     */
    static String stripMarkdownFence(String generation) {
        if (generation.isEmpty()) {
            return generation;
        }
        int first = generation.codePointAt(0);
        if (first == ' ' || first == '\n' || first == '\t') {
            return generation;
        }
        String fence = new String(Character.toChars(first)).repeat(3);
        String begin = fence + "python";
        if (generation.startsWith(begin) && generation.endsWith(fence)) {
            int end = generation.length() - fence.length();
            // Python's slice is empty, not an error, when the two overlap ("nnnpythonnn").
            return begin.length() <= end ? generation.substring(begin.length(), end) : "";
        }
        return generation;
    }

    private static AnswerExtraction firstWholeWord(List<String> choices) {
        WholeWordPattern pattern = new WholeWordPattern(choices);
        return (outputs, row, code) -> TextNode.valueOf(pattern.first(only(outputs)).orElse(FALLBACK));
    }

    private static List<String> digits() {
        return List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    }

    // take_first: the harness keeps the first response of a single-sample task.
    private static String only(List<String> outputs) {
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("no generated text to extract an answer from");
        }
        return outputs.get(0);
    }
}
