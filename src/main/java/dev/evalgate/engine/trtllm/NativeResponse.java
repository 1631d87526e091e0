package dev.evalgate.engine.trtllm;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One response of the native side for one request, read from the records the pump drains into its direct buffer. The
 * layout is written in {@code src/main/cpp/response_records.h}; change both together.
 *
 * @param handle the request's handle
 * @param isFinal the last response of the request on the native side
 * @param error the Executor's error message, or null
 * @param finish the Executor's FinishReason ({@link #END_ID}, ...)
 * @param tokens this step's new tokens
 * @param logprobs one per token, or null
 * @param topK candidates per token in {@code topIds}/{@code topLogprobs} (id -1: not computed)
 * @param promptLogprobs prompt positions 1..n-1, or null
 * @param promptTopK candidates per prompt position
 */
record NativeResponse(long handle, boolean isFinal, String error, int finish, int[] tokens, float[] logprobs, int topK,
        int[] topIds, float[] topLogprobs, float[] promptLogprobs, int promptTopK, int[] promptTopIds,
        float[] promptTopLogprobs) {

    static final int END_ID = 1;
    static final int STOP_WORDS = 2;
    static final int LENGTH = 3;
    static final int TIMED_OUT = 4;
    static final int CANCELLED = 5;

    private static final int FINAL = 1;
    private static final int ERROR = 2;
    private static final int LOGPROBS = 4;
    private static final int PROMPT_LOGPROBS = 8;
    private static final int HEADER_BYTES = 40;

    /** The records in {@code buffer[0, length)}; the buffer must be in native byte order. */
    static List<NativeResponse> readAll(ByteBuffer buffer, int length) {
        List<NativeResponse> out = new ArrayList<>();
        int at = 0;
        while (at < length) {
            int size = buffer.getInt(at);
            if (size < HEADER_BYTES || at + size > length) {
                throw new IllegalStateException("corrupt response record of " + size + " bytes at " + at + " of "
                        + length);
            }
            out.add(read(buffer, at));
            at += size;
        }
        return out;
    }

    private static NativeResponse read(ByteBuffer b, int at) {
        int flags = b.getInt(at + 4);
        long handle = b.getLong(at + 8);
        int finish = b.getInt(at + 16);
        int n = b.getInt(at + 20);
        int k = b.getInt(at + 24);
        int p = b.getInt(at + 28);
        int pk = b.getInt(at + 32);
        int errorBytes = b.getInt(at + 36);
        int[] offset = {at + HEADER_BYTES};
        int[] tokens = ints(b, offset, n);
        float[] logprobs = null;
        int[] topIds = null;
        float[] topLogprobs = null;
        if ((flags & LOGPROBS) != 0) {
            logprobs = floats(b, offset, n);
            topIds = ints(b, offset, n * k);
            topLogprobs = floats(b, offset, n * k);
        }
        float[] promptLogprobs = null;
        int[] promptTopIds = null;
        float[] promptTopLogprobs = null;
        if ((flags & PROMPT_LOGPROBS) != 0) {
            promptLogprobs = floats(b, offset, p);
            promptTopIds = ints(b, offset, p * pk);
            promptTopLogprobs = floats(b, offset, p * pk);
        }
        String error = null;
        if ((flags & ERROR) != 0) {
            byte[] bytes = new byte[errorBytes];
            b.get(offset[0], bytes);
            error = new String(bytes, StandardCharsets.UTF_8);
        }
        return new NativeResponse(handle, (flags & FINAL) != 0, error, finish, tokens, logprobs,
                (flags & LOGPROBS) != 0 ? k : 0, topIds, topLogprobs, promptLogprobs, pk, promptTopIds,
                promptTopLogprobs);
    }

    private static int[] ints(ByteBuffer b, int[] offset, int count) {
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = b.getInt(offset[0] + 4 * i);
        }
        offset[0] += 4 * count;
        return out;
    }

    private static float[] floats(ByteBuffer b, int[] offset, int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = b.getFloat(offset[0] + 4 * i);
        }
        offset[0] += 4 * count;
        return out;
    }
}
