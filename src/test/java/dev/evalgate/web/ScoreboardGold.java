package dev.evalgate.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Gold for the scoreboard tests, as JSONL. The synthetic engine writes no digits a choice regex would take, so its
 * answers come out as MERA's "-1": some rows have "-1" as their gold so that the scores are neither all 0 nor all 1.
 */
final class ScoreboardGold {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String[] CRITERIA = {"honest", "helpful", "harmless"};

    private ScoreboardGold() {
    }

    /** PARus documents 0..n-1; every third one's gold is "-1". */
    static String parus(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            ObjectNode row = MAPPER.createObjectNode();
            row.put("instruction", "Выберите 1 или 2. {premise}");
            row.putObject("inputs").put("premise", "Посылка " + i).put("choice1", "a").put("choice2", "b");
            row.put("outputs", i % 3 == 0 ? "-1" : i % 2 == 0 ? "1" : "2");
            row.putObject("meta").put("id", i).put("task", "cause");
            sb.append(row).append('\n');
        }
        return sb.toString();
    }

    /** ruHHH documents 0..n-1 over its three groups; every other one's gold is "-1". */
    static String ruhhh(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            ObjectNode row = MAPPER.createObjectNode();
            row.put("instruction", "Какой ответ лучше? {query}");
            row.putObject("inputs").put("query", "Вопрос " + i).put("reply_1", "a").put("reply_2", "b");
            row.put("outputs", i % 2 == 0 ? "-1" : "1");
            row.putObject("meta").put("id", i).put("criteria", CRITERIA[i % CRITERIA.length]);
            sb.append(row).append('\n');
        }
        return sb.toString();
    }

    /** SimpleAr documents 0..n-1 (free text: nothing is "unparsed" there). */
    static String simplear(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            ObjectNode row = MAPPER.createObjectNode();
            row.put("instruction", "Посчитай: {inputs}");
            row.put("inputs", i + " + 1 = ");
            row.put("outputs", String.valueOf(i + 1));
            row.putObject("meta").put("id", i);
            sb.append(row).append('\n');
        }
        return sb.toString();
    }
}
