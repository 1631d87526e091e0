package dev.evalgate.web;

import java.util.function.BiConsumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Gold for the scoreboard tests, as JSONL. The synthetic engine's text seldom holds what a choice regex takes, so
 * most of its answers come out as MERA's "-1": some rows have "-1" as their gold so that scores are not all 0.
 */
final class ScoreboardGold {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String[] CRITERIA = {"honest", "helpful", "harmless"};
    private static final String[] QUESTIONS = {"correct", "good", "ethical"};
    private static final String[] ETHICS = {"virtue", "law", "moral", "justice", "utilitarianism"};

    private ScoreboardGold() {
    }

    /** PARus documents 0..n-1; every third one's gold is "-1". */
    static String parus(int n) {
        return rows(n, (i, row) -> {
            row.putObject("inputs").put("premise", "Посылка " + i).put("choice1", "a").put("choice2", "b");
            row.put("outputs", i % 3 == 0 ? "-1" : i % 2 == 0 ? "1" : "2");
            row.putObject("meta").put("id", i).put("task", "cause");
        });
    }

    /** ruHHH documents 0..n-1 over its three groups; every other one's gold is "-1". */
    static String ruhhh(int n) {
        return rows(n, (i, row) -> {
            row.putObject("inputs").put("query", "Вопрос " + i).put("reply_1", "a").put("reply_2", "b");
            row.put("outputs", i % 2 == 0 ? "-1" : "1");
            row.putObject("meta").put("id", i).put("criteria", CRITERIA[i % CRITERIA.length]);
        });
    }

    /** ruEthics documents 0..n-1, asked the three questions in turn; labels vary per criterion. */
    static String ruethics(int n) {
        return rows(n, (i, row) -> {
            row.putObject("inputs").put("text", "Текст " + i).put("actant_1", "А").put("actant_2", "Б");
            ObjectNode outputs = row.putObject("outputs");
            for (int c = 0; c < ETHICS.length; c++) {
                outputs.put(ETHICS[c], (i + c) % 3 == 0 ? "-1" : String.valueOf((i + c) % 2));
            }
            row.putObject("meta").put("id", i).put("question", QUESTIONS[i % QUESTIONS.length]);
        });
    }

    /** SimpleAr documents 0..n-1 (free text: nothing is "unparsed" there). */
    static String simplear(int n) {
        return rows(n, (i, row) -> {
            row.put("inputs", i + " + 1 = ");
            row.put("outputs", String.valueOf(i + 1));
            row.putObject("meta").put("id", i);
        });
    }

    /** {@code n} rows, each an instruction plus what {@code fill} puts in it for its index, one a line. */
    private static String rows(int n, BiConsumer<Integer, ObjectNode> fill) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            ObjectNode row = MAPPER.createObjectNode();
            row.put("instruction", "Задание {inputs}");
            fill.accept(i, row);
            sb.append(row).append('\n');
        }
        return sb.toString();
    }
}
