package dev.evalgate.scoring.sandbox;

import java.nio.file.Path;

/**
 * A gateway for {@link PythonCodeSandboxAttackTest} to kill: a JVM that runs one sandbox whose program leaves a daemon
 * behind and then sleeps. Usage: {@code SandboxGatewayStandIn UID}.
 */
public final class SandboxGatewayStandIn {

    private SandboxGatewayStandIn() {
    }

    public static void main(String[] args) {
        PythonCodeSandbox sandbox = new PythonCodeSandbox(Path.of("/usr/bin/python3"), 1, Integer.parseInt(args[0]));
        String body = "    import posix, time\n"
                + "    if posix.fork() == 0:\n"
                + "        posix.setsid()\n"
                + "        if posix.fork() == 0:\n"
                + "            time.sleep(120)\n"
                + "        posix._exit(0)\n"
                + "    time.sleep(120)\n";
        System.out.println(sandbox.run("def hang(x):\n", body, "hang", "[{'x': 0}]"));
    }
}
