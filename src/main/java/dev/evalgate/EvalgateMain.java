package dev.evalgate;

import java.util.Arrays;

import dev.evalgate.scoring.runs.OfflineScorer;
import dev.evalgate.scoring.sandbox.PythonCodeSandbox;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Entry point: {@code score ...} runs the offline scorer without starting the gateway (no engine, no port);
 * anything else starts the gateway.
 */
@QuarkusMain
public class EvalgateMain {

    public static void main(String... args) {
        if (args.length > 0 && args[0].equals("score")) {
            System.exit(OfflineScorer.run(Arrays.asList(args).subList(1, args.length), System.out, System.err,
                    PythonCodeSandbox::new));
        }
        Quarkus.run(args);
    }
}
