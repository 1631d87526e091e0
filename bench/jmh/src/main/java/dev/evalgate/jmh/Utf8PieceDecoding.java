package dev.evalgate.jmh;

import java.nio.charset.StandardCharsets;
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

import dev.evalgate.generation.Utf8StreamDecoder;

/** Cost per token of turning an engine's byte piece into text with Utf8StreamDecoder, against new String(piece, UTF_8). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Utf8PieceDecoding {

    private byte[][] pieces;
    // One decoder for the whole trial: the stream ends on a character boundary, so it is back in its initial
    // state after every pass, and a stream's decoder is built once per choice, not per token.
    private Utf8StreamDecoder decoder;

    @Setup
    public void setUp() {
        List<byte[]> list = TokenStream.pieces(TokenStream.TOKENS);
        pieces = list.toArray(new byte[0][]);
        decoder = new Utf8StreamDecoder();
    }

    @Benchmark
    @OperationsPerInvocation(TokenStream.TOKENS)
    public void utf8StreamDecoder(Blackhole bh) {
        for (byte[] piece : pieces) {
            bh.consume(decoder.append(piece));
        }
    }

    /** Wrong for a character split over two pieces (two U+FFFD instead of one letter), but no decoder can be cheaper. */
    @Benchmark
    @OperationsPerInvocation(TokenStream.TOKENS)
    public void baselineNewString(Blackhole bh) {
        for (byte[] piece : pieces) {
            bh.consume(new String(piece, StandardCharsets.UTF_8));
        }
    }
}
