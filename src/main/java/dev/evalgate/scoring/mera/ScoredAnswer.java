package dev.evalgate.scoring.mera;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One document's answer as a MERA submission carries it (a string for most tasks; ruEthics an object of five
 * criteria; code tasks a list of per-test results per generation), next to its gold row.
 */
public record ScoredAnswer(GoldRow gold, JsonNode answer) {
}
