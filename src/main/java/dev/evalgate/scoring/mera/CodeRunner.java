package dev.evalgate.scoring.mera;

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

    /** A runner made on first use: most runs have no code task, and a sandbox checks its host when it is made. */
    static CodeRunner lazy(java.util.function.Supplier<? extends CodeRunner> factory) {
        return new CodeRunner() {
            private CodeRunner runner;

            @Override
            public JsonNode run(String function, String completion, String entryPoint, String tests) {
                CodeRunner r;
                synchronized (this) {
                    if (runner == null) {
                        runner = factory.get();
                    }
                    r = runner;
                }
                return r.run(function, completion, entryPoint, tests);
            }
        };
    }
}
