package dev.evalgate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.evalgate.engine.InferenceEngine;
import dev.evalgate.engine.llamacpp.LlamaCppEngine;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** A client that goes away mid-stream must abort its engine request, not leave it generating. */
@QuarkusTest
class ClientDisconnectTest {

    @TestHTTPResource("/")
    URL base;

    @Inject
    InferenceEngine engine;

    @Test
    void disconnectMidStreamCancelsTheEngineRequest() throws Exception {
        LlamaCppEngine llama = (LlamaCppEngine) engine;
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> llama.activeStreams() == 0);
        int cancelledBefore = llama.cancelledStreams();
        // ~1900 tokens take several seconds on this model: the request is surely still generating when we leave
        String body = "{\"model\":\"" + ChatCompletionsTest.MODEL + "\",\"stream\":true,\"temperature\":0,"
                + "\"max_tokens\":1900,\"messages\":[{\"role\":\"system\",\"content\":\"Be verbose.\"},"
                + "{\"role\":\"user\",\"content\":\"Tell a very long story.\"}]}";
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(bytes);
            out.flush();
            InputStream in = socket.getInputStream();
            String seen = readUntil(in, "\"content\":\"", 5);
            assertTrue(seen.startsWith("HTTP/1.1 200"), seen);
            assertEquals(1, llama.activeStreams(), "the stream is generating");
        }
        long closedAt = System.nanoTime();
        Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(5))
                .until(() -> llama.activeStreams() == 0);
        long stopMs = (System.nanoTime() - closedAt) / 1_000_000;
        assertEquals(cancelledBefore + 1, llama.cancelledStreams(), "the engine request was cancelled, not finished");
        System.out.println("engine stopped " + stopMs + " ms after the client disconnected");
    }

    /** Reads until {@code marker} has been seen {@code times} times, i.e. several content chunks arrived. */
    private static String readUntil(InputStream in, String marker, int times) throws Exception {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[4096];
        while (count(sb, marker) < times) {
            if (sb.length() > 12 && !sb.toString().startsWith("HTTP/1.1 200")) {
                throw new AssertionError("not a 200 stream: " + sb);
            }
            int n = in.read(buf);
            if (n < 0) {
                throw new AssertionError("stream ended early: " + sb);
            }
            sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    private static int count(StringBuilder sb, String marker) {
        int c = 0;
        for (int i = sb.indexOf(marker); i >= 0; i = sb.indexOf(marker, i + 1)) {
            c++;
        }
        return c;
    }
}
