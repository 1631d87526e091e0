package dev.evalgate.prompt;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.fasterxml.jackson.databind.JsonNode;

import dev.evalgate.generation.ByteLevelAlphabet;

/**
 * The encoding half of a Hugging Face {@code tokenizer.json} of the Llama 3 kind, in Java: added (special) tokens
 * split the text first, each text segment between them is cut by the pre-tokenizer's regex into pieces, and each
 * piece is byte-level BPE encoded on its own. Because segments and pieces are encoded independently of their
 * neighbours, the ids of a segment and of a piece can be cached by their exact text and reused: the system prompt,
 * the chat template's fixed text and repeated few-shot turns cost one map look-up each after the first time, and
 * every other word one look-up once it has been seen. The result is the Rust library's, id for id; the tests check it
 * against the library on the test data and on random text.
 *
 * <p>Only the configuration Llama 3 uses is supported (no normalizer; a {@code Split} regex, {@code Isolated}, then
 * {@code ByteLevel} without its own regex or prefix space; a BPE model without dropout, unknown token, byte
 * fallback or word affixes; added tokens matched as written; a template post-processor of special tokens around the
 * text): {@link #fromTokenizerJson} answers null for anything else, and {@link #encode} throws
 * {@link Unsupported} for text it cannot promise to encode exactly (an unpaired surrogate, a byte without a token, a
 * code point this JVM's Unicode tables do not know: the library's regex may know it as a letter), so that the caller
 * uses the library instead.
 */
final class ByteLevelBpe {

    /** Pieces longer than this (in chars) are encoded every time rather than cached. */
    private static final int MAX_CACHED_PIECE = 64;
    private static final int PIECE_CACHE_LIMIT = 1 << 16;
    /** Segments longer than this (in chars) are not cached. */
    private static final int MAX_CACHED_SEGMENT = 1 << 15;
    private static final int SEGMENT_CACHE_LIMIT = 1024;
    /** At most this many chars of segment text are cached (8 MiB of it), whatever their number. */
    private static final long SEGMENT_CACHE_CHARS = 1 << 22;
    /** Heap entries pack rank, position and new id into 21 bits each. */
    private static final int FIELD_BITS = 21;
    private static final long FIELD_MASK = (1L << FIELD_BITS) - 1;

    /** Thrown for text this encoder cannot promise to encode as the library does; use the library then. */
    static final class Unsupported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unsupported(String why) {
            super(why, null, false, false);
        }
    }

    private final AddedTokens added;
    private final Pattern split;
    /** Whether the regex is Llama 3's, which {@link Llama3Pretokenizer} runs without the regex engine. */
    private final boolean llama3Split;
    private final Map<String, Integer> vocab;
    private final int[] byteIds;
    private final MergeTable merges;
    private final boolean ignoreMerges;
    private final int[] prefix;
    private final int[] suffix;
    private final ConcurrentHashMap<String, int[]> pieceCache = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, int[]> segmentCache = new ConcurrentHashMap<>();
    private final AtomicLong segmentCacheChars = new AtomicLong();
    /** Hashes of segments seen once, one per slot: the cache's admission filter. */
    private final int[] seenSegments = new int[SEGMENT_CACHE_LIMIT * 4];

    private ByteLevelBpe(AddedTokens added, Pattern split, Map<String, Integer> vocab, MergeTable merges,
            boolean ignoreMerges, int[] prefix, int[] suffix) {
        this.added = added;
        this.split = split;
        this.llama3Split = Llama3Pretokenizer.PATTERN.equals(split.pattern());
        this.vocab = vocab;
        this.merges = merges;
        this.ignoreMerges = ignoreMerges;
        this.prefix = prefix;
        this.suffix = suffix;
        this.byteIds = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(ByteLevelAlphabet.charOf(b)));
            byteIds[b] = id == null ? -1 : id;
        }
    }

    /** The encoder for this {@code tokenizer.json}, or null when it uses something this class does not implement. */
    static ByteLevelBpe fromTokenizerJson(JsonNode root) {
        if (!root.path("normalizer").isNull() && !root.path("normalizer").isMissingNode()) {
            return null;
        }
        Pattern split = splitPattern(root.path("pre_tokenizer"));
        JsonNode model = root.path("model");
        if (split == null || !"BPE".equals(model.path("type").asText()) || !isNull(model.path("dropout"))
                || !isNull(model.path("unk_token")) || model.path("byte_fallback").asBoolean(false)
                || !isNull(model.path("continuing_subword_prefix")) || !isNull(model.path("end_of_word_suffix"))) {
            return null;
        }
        Map<String, Integer> vocab = new HashMap<>(model.path("vocab").size() * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        MergeTable merges = MergeTable.of(model.path("merges"), vocab);
        AddedTokens added = AddedTokens.of(root.path("added_tokens"));
        int[][] around = template(root.path("post_processor"), added);
        if (merges == null || added == null || around == null || vocab.size() > FIELD_MASK) {
            return null;
        }
        return new ByteLevelBpe(added, split, vocab, merges, model.path("ignore_merges").asBoolean(false), around[0],
                around[1]);
    }

    private static boolean isNull(JsonNode n) {
        return n.isNull() || n.isMissingNode();
    }

    /** {@code Sequence[Split(regex, Isolated), ByteLevel(no prefix space, no regex)]}, else null. */
    private static Pattern splitPattern(JsonNode pre) {
        if (!"Sequence".equals(pre.path("type").asText()) || pre.path("pretokenizers").size() != 2) {
            return null;
        }
        JsonNode s = pre.path("pretokenizers").get(0);
        JsonNode b = pre.path("pretokenizers").get(1);
        if (!"Split".equals(s.path("type").asText()) || !"Isolated".equals(s.path("behavior").asText())
                || s.path("invert").asBoolean(false) || !s.path("pattern").path("Regex").isTextual()
                || !"ByteLevel".equals(b.path("type").asText()) || b.path("add_prefix_space").asBoolean(true)
                || b.path("use_regex").asBoolean(true)) {
            return null;
        }
        try {
            // Oniguruma's \s, \S and case folding are Unicode's; Java's are ASCII unless told
            return Pattern.compile(s.path("pattern").path("Regex").asText(), Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            return null;
        }
    }

    /**
     * The special ids a {@code TemplateProcessing} post-processor (alone or in a {@code Sequence}, next to a
     * {@code ByteLevel} one, which only moves offsets) puts before and after a single text; null if unsupported.
     */
    private static int[][] template(JsonNode post, AddedTokens added) {
        if (isNull(post)) {
            return new int[][] {new int[0], new int[0]};
        }
        List<JsonNode> processors = new ArrayList<>();
        if ("Sequence".equals(post.path("type").asText())) {
            post.path("processors").forEach(processors::add);
        } else {
            processors.add(post);
        }
        int[][] around = {new int[0], new int[0]};
        for (JsonNode p : processors) {
            String type = p.path("type").asText();
            if ("ByteLevel".equals(type)) {
                continue;
            }
            if (!"TemplateProcessing".equals(type)) {
                return null;
            }
            List<Integer> before = new ArrayList<>();
            List<Integer> after = new ArrayList<>();
            boolean seenText = false;
            for (JsonNode piece : p.path("single")) {
                if (piece.has("Sequence")) {
                    seenText = true;
                    continue;
                }
                JsonNode special = p.path("special_tokens").path(piece.path("SpecialToken").path("id").asText());
                if (!special.path("ids").isArray()) {
                    return null;
                }
                List<Integer> side = seenText ? after : before;
                special.path("ids").forEach(id -> side.add(id.asInt()));
            }
            around = new int[][] {before.stream().mapToInt(Integer::intValue).toArray(),
                after.stream().mapToInt(Integer::intValue).toArray()};
        }
        return around;
    }

    /** Forgets every cached segment and piece (for measuring the encoder cold). */
    void clearCaches() {
        segmentCache.clear();
        segmentCacheChars.set(0);
        pieceCache.clear();
        Arrays.fill(seenSegments, 0);
    }

    /** Token ids of {@code text}, with the post-processor's special tokens around it when asked. */
    int[] encode(String text, boolean addSpecialTokens) {
        IntBuffer out = new IntBuffer(text.length() / 3 + 8);
        if (addSpecialTokens) {
            out.add(prefix, 0, prefix.length);
        }
        int start = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            int token = added.longestAt(text, i);
            if (token < 0) {
                i++;
                continue;
            }
            segment(text, start, i, out);
            out.add(added.id(token));
            i += added.length(token);
            start = i;
        }
        segment(text, start, n, out);
        if (addSpecialTokens) {
            out.add(suffix, 0, suffix.length);
        }
        return out.toArray();
    }

    /** The ids of the text between two added tokens (or the ends). */
    private void segment(String text, int from, int to, IntBuffer out) {
        if (from == to) {
            return;
        }
        String segment = from == 0 && to == text.length() ? text : text.substring(from, to);
        int[] cached = segmentCache.get(segment);
        if (cached != null) {
            out.add(cached, 0, cached.length);
            return;
        }
        int mark = out.size();
        if (llama3Split) {
            Llama3Pretokenizer.split(segment, 0, segment.length(), (a, b) -> piece(segment, a, b, out));
        } else {
            regexSplit(segment, out);
        }
        if (segment.length() <= MAX_CACHED_SEGMENT && seenBefore(segment)) {
            if (segmentCache.size() >= SEGMENT_CACHE_LIMIT
                    || segmentCacheChars.addAndGet(segment.length()) > SEGMENT_CACHE_CHARS) {
                segmentCache.clear();
                segmentCacheChars.set(segment.length());
            }
            segmentCache.put(segment, out.copy(mark));
        }
    }

    /** The pieces of a segment by the pre-tokenizer's regex ({@code Isolated}: matches and the gaps between them). */
    private void regexSplit(String segment, IntBuffer out) {
        Matcher m = split.matcher(segment);
        int last = 0;
        while (m.find()) {
            if (m.start() == m.end()) {
                continue;
            }
            if (m.start() > last) {
                piece(segment, last, m.start(), out);
            }
            piece(segment, m.start(), m.end(), out);
            last = m.end();
        }
        if (last < segment.length()) {
            piece(segment, last, segment.length(), out);
        }
    }

    /**
     * Whether a segment with this text's hash went through here before (or one whose hash shares its slot): a segment
     * is cached only the second time, so a stream of unique texts (each request's own question) does not push the
     * repeated ones (system prompt, template text, few-shot turns) out of the cache. Races only cost a miss.
     */
    private boolean seenBefore(String segment) {
        int hash = segment.hashCode();
        int slot = (hash ^ (hash >>> 16)) & (seenSegments.length - 1);
        if (seenSegments[slot] == hash) {
            return true;
        }
        seenSegments[slot] = hash;
        return false;
    }

    private void piece(String segment, int from, int to, IntBuffer out) {
        if (to - from > MAX_CACHED_PIECE) {
            bpe(segment, from, to, out);
            return;
        }
        String piece = segment.substring(from, to);
        int[] cached = pieceCache.get(piece);
        if (cached == null) {
            int mark = out.size();
            bpe(segment, from, to, out);
            if (pieceCache.size() >= PIECE_CACHE_LIMIT) {
                pieceCache.clear();
            }
            pieceCache.put(piece, out.copy(mark));
            return;
        }
        out.add(cached, 0, cached.length);
    }

    /** Byte-level BPE of one piece: lowest-ranked adjacent pair first, leftmost among equals, as the library does. */
    private void bpe(String segment, int from, int to, IntBuffer out) {
        for (int i = from; i < to; i++) {
            int c = segment.charAt(i);
            if (Character.isHighSurrogate((char) c) && i + 1 < to && Character.isLowSurrogate(segment.charAt(i + 1))) {
                c = Character.toCodePoint((char) c, segment.charAt(++i));
            } else if (Character.isSurrogate((char) c)) {
                throw new Unsupported("unpaired surrogate");
            }
            if (c >= 0x80 && Character.getType(c) == Character.UNASSIGNED) {
                // a later Unicode than this JVM's may call it a letter or a digit, and the library's regex does
                throw new Unsupported("a code point this JVM's Unicode tables do not know");
            }
        }
        byte[] bytes = segment.substring(from, to).getBytes(StandardCharsets.UTF_8);
        int n = bytes.length;
        if (ignoreMerges) {
            char[] word = new char[n];
            for (int i = 0; i < n; i++) {
                word[i] = ByteLevelAlphabet.charOf(bytes[i] & 0xFF);
            }
            Integer whole = vocab.get(new String(word));
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        if (n > FIELD_MASK) {
            throw new Unsupported("piece too long");
        }
        int[] ids = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = byteIds[bytes[i] & 0xFF];
            if (ids[i] < 0) {
                throw new Unsupported("byte without a token");
            }
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap queue = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, ids[i], ids[i + 1], i);
        }
        while (!queue.isEmpty()) {
            long top = queue.poll();
            int pos = (int) ((top >>> FIELD_BITS) & FIELD_MASK);
            int newId = (int) (top & FIELD_MASK);
            int right = next[pos];
            // stale entries: the symbol was merged away, or its pair no longer makes this token
            if (ids[pos] < 0 || right < 0) {
                continue;
            }
            long merge = merges.get(ids[pos], ids[right]);
            if (merge < 0 || (int) merge != newId) {
                continue;
            }
            ids[pos] = newId;
            ids[right] = -1;
            next[pos] = next[right];
            if (next[pos] >= 0) {
                prev[next[pos]] = pos;
            }
            if (prev[pos] >= 0) {
                offer(queue, ids[prev[pos]], newId, prev[pos]);
            }
            if (next[pos] >= 0) {
                offer(queue, newId, ids[next[pos]], pos);
            }
        }
        for (int i = 0; i >= 0; i = next[i]) {
            out.add(ids[i]);
        }
    }

    private void offer(LongHeap queue, int left, int right, int pos) {
        long merge = merges.get(left, right);
        if (merge >= 0) {
            long rank = merge >>> 32;
            queue.add(rank << (2 * FIELD_BITS) | (long) pos << FIELD_BITS | (merge & FIELD_MASK));
        }
    }

    /** The added tokens, matched leftmost-longest as the library's Aho-Corasick automaton does. */
    private static final class AddedTokens {
        private final String[] contents;
        private final int[] ids;
        private final BitSet firstChars = new BitSet(Character.MAX_VALUE + 1);
        /** Indexes into contents by first char, longest first. */
        private final Map<Character, int[]> byFirstChar;

        private AddedTokens(String[] contents, int[] ids) {
            this.contents = contents;
            this.ids = ids;
            Map<Character, List<Integer>> groups = new HashMap<>();
            for (int i = 0; i < contents.length; i++) {
                firstChars.set(contents[i].charAt(0));
                groups.computeIfAbsent(contents[i].charAt(0), c -> new ArrayList<>()).add(i);
            }
            byFirstChar = new HashMap<>();
            groups.forEach((c, list) -> byFirstChar.put(c, list.stream()
                    .sorted((a, b) -> Integer.compare(contents[b].length(), contents[a].length()))
                    .mapToInt(Integer::intValue).toArray()));
        }

        /** Null if a token asks for stripping, word boundaries or normalisation. */
        static AddedTokens of(JsonNode list) {
            List<String> contents = new ArrayList<>();
            List<Integer> ids = new ArrayList<>();
            for (JsonNode t : list) {
                if (t.path("lstrip").asBoolean(false) || t.path("rstrip").asBoolean(false)
                        || t.path("single_word").asBoolean(false) || t.path("normalized").asBoolean(false)
                        || t.path("content").asText("").isEmpty()) {
                    return null;
                }
                contents.add(t.path("content").asText());
                ids.add(t.path("id").asInt());
            }
            return new AddedTokens(contents.toArray(String[]::new), ids.stream().mapToInt(Integer::intValue).toArray());
        }

        /** The index of the longest added token starting at {@code at}, or -1. */
        int longestAt(String text, int at) {
            char c = text.charAt(at);
            if (!firstChars.get(c)) {
                return -1;
            }
            for (int i : byFirstChar.get(c)) {
                if (text.startsWith(contents[i], at)) {
                    return i;
                }
            }
            return -1;
        }

        int id(int token) {
            return ids[token];
        }

        int length(int token) {
            return contents[token].length();
        }
    }

    /** Merge rules by pair of ids: rank and the merged id, in an open-addressing table of longs. */
    private static final class MergeTable {
        private final long[] keys;
        private final long[] values;
        private final int mask;

        private MergeTable(int capacity) {
            keys = new long[capacity];
            values = new long[capacity];
            Arrays.fill(keys, -1);
            mask = capacity - 1;
        }

        /** Null if a merge names a token outside the vocabulary or there are too many merges to pack. */
        static MergeTable of(JsonNode merges, Map<String, Integer> vocab) {
            if (merges.size() > FIELD_MASK) {
                return null;
            }
            MergeTable table = new MergeTable(Integer.highestOneBit(Math.max(4, merges.size() * 2)) * 2);
            int rank = 0;
            for (JsonNode m : merges) {
                String left;
                String right;
                if (m.isArray() && m.size() == 2) {
                    left = m.get(0).asText();
                    right = m.get(1).asText();
                } else {
                    String s = m.asText();
                    int space = s.indexOf(' ');
                    if (space < 0 || s.indexOf(' ', space + 1) >= 0) {
                        return null;
                    }
                    left = s.substring(0, space);
                    right = s.substring(space + 1);
                }
                Integer l = vocab.get(left);
                Integer r = vocab.get(right);
                Integer merged = vocab.get(left + right);
                if (l == null || r == null || merged == null) {
                    return null;
                }
                // a pair listed twice keeps its last rule, as in the library (which collects them into a map)
                table.put((long) l << 32 | r, (long) rank << 32 | merged);
                rank++;
            }
            return table;
        }

        private int slot(long key) {
            return (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
        }

        private void put(long key, long value) {
            int i = slot(key);
            while (keys[i] != -1 && keys[i] != key) {
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = value;
        }

        /** {@code rank << 32 | mergedId}, or -1 when the pair does not merge. */
        long get(int left, int right) {
            long key = (long) left << 32 | right;
            int i = slot(key);
            while (keys[i] != -1) {
                if (keys[i] == key) {
                    return values[i];
                }
                i = (i + 1) & mask;
            }
            return -1;
        }
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] items;
        private int size;

        LongHeap(int capacity) {
            items = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(long v) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (items[parent] <= v) {
                    break;
                }
                items[i] = items[parent];
                i = parent;
            }
            items[i] = v;
        }

        long poll() {
            long top = items[0];
            long last = items[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && items[child + 1] < items[child]) {
                    child++;
                }
                if (last <= items[child]) {
                    break;
                }
                items[i] = items[child];
                i = child;
            }
            if (size > 0) {
                items[i] = last;
            }
            return top;
        }
    }

    /** A growable int array. */
    private static final class IntBuffer {
        private int[] items;
        private int size;

        IntBuffer(int capacity) {
            items = new int[Math.max(8, capacity)];
        }

        int size() {
            return size;
        }

        void add(int v) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            items[size++] = v;
        }

        void add(int[] values, int from, int count) {
            if (size + count > items.length) {
                items = Arrays.copyOf(items, Math.max(size * 2, size + count));
            }
            System.arraycopy(values, from, items, size, count);
            size += count;
        }

        int[] copy(int from) {
            return Arrays.copyOfRange(items, from, size);
        }

        int[] toArray() {
            return Arrays.copyOf(items, size);
        }
    }
}
