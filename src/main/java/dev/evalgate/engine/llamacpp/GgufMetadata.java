package dev.evalgate.engine.llamacpp;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The key-value header of a GGUF file (v2/v3), read without loading the model: scalars and strings are kept,
 * arrays (the vocabulary, merges) are skipped and recorded only by their length.
 */
public final class GgufMetadata {

    private static final int MAGIC = 0x46554747; // "GGUF" little-endian

    private final Map<String, Object> values;

    private GgufMetadata(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    public static GgufMetadata read(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            LittleEndian r = new LittleEndian(in);
            if (r.i32() != MAGIC) {
                throw new IOException(file + " is not a GGUF file");
            }
            int version = r.i32();
            if (version < 2) {
                throw new IOException(file + ": GGUF version " + version + " is not supported");
            }
            r.i64(); // tensor count
            long kvCount = r.i64();
            Map<String, Object> values = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                String key = r.string();
                values.put(key, r.value(r.i32()));
            }
            return new GgufMetadata(values);
        }
    }

    public Optional<String> string(String key) {
        return values.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    public Optional<Long> integer(String key) {
        return values.get(key) instanceof Number n ? Optional.of(n.longValue()) : Optional.empty();
    }

    public Map<String, Object> values() {
        return values;
    }

    /** The length of an array value that was skipped. */
    public record SkippedArray(int elementType, long length) {
    }

    private static final class LittleEndian {
        private final DataInputStream in;

        LittleEndian(InputStream in) {
            this.in = new DataInputStream(in);
        }

        int i32() throws IOException {
            return Integer.reverseBytes(in.readInt());
        }

        long i64() throws IOException {
            return Long.reverseBytes(in.readLong());
        }

        String string() throws IOException {
            long len = i64();
            if (len < 0 || len > Integer.MAX_VALUE) {
                throw new IOException("corrupt GGUF string length " + len);
            }
            return new String(in.readNBytes((int) len), StandardCharsets.UTF_8);
        }

        Object value(int type) throws IOException {
            return switch (type) {
                case 0 -> (long) in.readUnsignedByte();
                case 1 -> (long) in.readByte();
                case 2 -> (long) Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
                case 3 -> (long) Short.reverseBytes(in.readShort());
                case 4 -> Integer.toUnsignedLong(i32());
                case 5 -> (long) i32();
                case 6 -> (double) Float.intBitsToFloat(i32());
                case 7 -> in.readUnsignedByte() != 0;
                case 8 -> string();
                case 9 -> skipArray();
                case 10, 11 -> i64();
                case 12 -> Double.longBitsToDouble(i64());
                default -> throw new IOException("unknown GGUF value type " + type);
            };
        }

        private SkippedArray skipArray() throws IOException {
            int elementType = i32();
            long length = i64();
            for (long i = 0; i < length; i++) {
                if (elementType == 8) {
                    long len = i64();
                    skip(len);
                } else {
                    value(elementType);
                }
            }
            return new SkippedArray(elementType, length);
        }

        private void skip(long n) throws IOException {
            while (n > 0) {
                long s = in.skip(n);
                if (s <= 0) {
                    throw new EOFException();
                }
                n -= s;
            }
        }
    }
}
