package dev.evalgate.engine.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** llama.cpp's compute threads when none are configured: one CPU left to the gateway, one thread per physical core. */
class LlamaCppThreadsTest {

    @Test
    void leavesOneCpuToTheGatewayAndNeverExceedsThePhysicalCores() {
        assertEquals(1, LlamaCppEngine.defaultThreads(2, 2), "2 cores: one for llama.cpp, one for the gateway");
        assertEquals(3, LlamaCppEngine.defaultThreads(4, 4));
        assertEquals(1, LlamaCppEngine.defaultThreads(1, 1), "a single CPU still decodes");
        assertEquals(8, LlamaCppEngine.defaultThreads(16, 8), "hyper-threads: one thread per physical core");
        assertEquals(3, LlamaCppEngine.defaultThreads(4, 32), "a container limited to 4 CPUs on a 32-core node");
    }

    @Test
    void thisMachinesDefaultFitsItsCpus() {
        int threads = LlamaCppEngine.defaultThreads();
        int cpus = Runtime.getRuntime().availableProcessors();
        assertTrue(threads >= 1 && threads <= Math.max(1, cpus - 1), threads + " threads on " + cpus + " CPUs");
    }
}
