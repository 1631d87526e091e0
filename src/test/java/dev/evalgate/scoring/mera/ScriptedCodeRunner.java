package dev.evalgate.scoring.mera;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** Test double for {@link CodeRunner}: returns canned results in order and records what it was asked to run. */
public final class ScriptedCodeRunner implements CodeRunner {

    /** One call as the extraction made it. */
    record Call(String function, String completion, String entryPoint, String tests) {
    }

    private final Deque<JsonNode> results;
    final List<Call> calls = new ArrayList<>();

    public ScriptedCodeRunner(List<JsonNode> results) {
        this.results = new ArrayDeque<>(results);
    }

    @Override
    public JsonNode run(String function, String completion, String entryPoint, String tests) {
        calls.add(new Call(function, completion, entryPoint, tests));
        if (results.isEmpty()) {
            throw new IllegalStateException("no scripted result left for call " + calls.size());
        }
        return results.removeFirst();
    }
}
