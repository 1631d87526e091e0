package dev.evalgate.api;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.jmh.TokenStream;

/** Cost per token of ChatCompletionChunks.content's SSE event, against Jackson serialising the same chunk and a bare concatenation. */
// In dev.evalgate.api because ChatCompletionChunks is package-private; the gateway's jar does not seal the package.
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ContentChunkSerialisation {

    private static final String ID = "chatcmpl-1079caac15404354ac942471633cd112";
    private static final long CREATED = 1795898568L;
    private static final String MODEL = "evalgate-tiny-llama-3.1";

    // Declared in wire order: Jackson writes a record's components in that order, and setUp checks the bytes agree.
    public record Chunk(String id, String object, long created, String model, List<Choice> choices) {
    }

    public record Choice(int index, Delta delta, Object logprobs, String finish_reason) {
    }

    public record Delta(String content) {
    }

    private String[] texts;
    private ChatCompletionChunks chunks;
    private ObjectMapper mapper;
    private String floorPrefix;
    private String floorSuffix;

    @Setup
    public void setUp() throws JsonProcessingException {
        texts = TokenStream.texts(TokenStream.TOKENS).toArray(new String[0]);
        chunks = new ChatCompletionChunks(ID, CREATED, MODEL);
        mapper = new ObjectMapper();
        String sample = chunks.content(0, "x");
        int x = sample.indexOf("\"x\"");
        floorPrefix = sample.substring(0, x + 1);
        floorSuffix = sample.substring(x + 2);
        // Otherwise the ratios would compare different outputs.
        for (String text : texts) {
            String ours = chunks.content(0, text);
            if (!ours.equals(jackson(text))) {
                throw new IllegalStateException("Jackson baseline differs:\n" + ours + jackson(text));
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(TokenStream.TOKENS)
    public void chatCompletionChunks(Blackhole bh) {
        for (String text : texts) {
            bh.consume(chunks.content(0, text));
        }
    }

    /** How the chunk would be written without a hand-built prefix: a fresh object graph through a shared ObjectMapper. */
    @Benchmark
    @OperationsPerInvocation(TokenStream.TOKENS)
    public void baselineJackson(Blackhole bh) throws JsonProcessingException {
        for (String text : texts) {
            bh.consume(jackson(text));
        }
    }

    /** No escaping at all, so wrong for quotes and backslashes, but no serialiser can be cheaper. */
    @Benchmark
    @OperationsPerInvocation(TokenStream.TOKENS)
    public void floorConcat(Blackhole bh) {
        for (String text : texts) {
            bh.consume(floorPrefix + text + floorSuffix);
        }
    }

    private String jackson(String text) throws JsonProcessingException {
        Chunk chunk = new Chunk(ID, "chat.completion.chunk", CREATED, MODEL,
                List.of(new Choice(0, new Delta(text), null, null)));
        return "data: " + mapper.writeValueAsString(chunk) + "\n\n";
    }
}
