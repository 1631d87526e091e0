package dev.evalgate.scoring;

import com.fasterxml.jackson.databind.JsonNode;

/** Runs one generated completion of a code task the way MERA's harness does, somewhere it can do no harm. */
public interface CodeRunner {

    /**
     * Runs {@code function + completion} and calls {@code entryPoint(**test)} for each test.
     *
     * @param tests the row's {@code inputs.tests}: a Python literal, {@code str(list of kwargs dicts)}
     * @return what the harness records for this generation: a JSON array with {@code str(result)} or null per test
     *         (all null when the program itself fails), or the string {@code "timed out"} when it was killed
     */
    JsonNode run(String function, String completion, String entryPoint, String tests);
}
