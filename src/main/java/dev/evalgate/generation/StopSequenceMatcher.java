package dev.evalgate.generation;

import java.util.Arrays;
import java.util.List;

/** Cuts one streamed choice at its first stop string while holding back only text that could still start one. */
public final class StopSequenceMatcher {

    private static final long EMPTY_KEY = -1L;

    private final String[] stops;
    private final boolean includeStopInOutput;

    // Aho–Corasick automaton over UTF-16 chars: a plain scan would cost O(stops × text) per token,
    // which hurts with hundreds of stops on the per-token path.
    private final int[] fail;
    private final int[] depth;
    /** Longest stop that is a suffix of the node's string (the tie-break on equal end), or -1. */
    private final int[] output;
    private final long[] edgeKeys;
    private final int[] edgeTargets;
    private final int edgeMask;

    /** Not-yet-emitted text; bounded by the longest stop, so edits on it are cheap. */
    private final StringBuilder pending = new StringBuilder();
    private int state;
    private String matchedStop;

    public StopSequenceMatcher(List<String> stops, boolean includeStopInOutput) {
        this.stops = stops.toArray(new String[0]);
        this.includeStopInOutput = includeStopInOutput;

        int maxNodes = 1;
        for (String s : this.stops) {
            if (s == null || s.isEmpty()) {
                // An empty stop would match before any text and silently swallow the whole choice.
                throw new IllegalArgumentException("stop strings must be non-empty");
            }
            maxNodes += s.length();
        }
        int edgeCapacity = Integer.highestOneBit(Math.max(4, maxNodes * 2 - 1)) << 1;
        edgeKeys = new long[edgeCapacity];
        Arrays.fill(edgeKeys, EMPTY_KEY);
        edgeTargets = new int[edgeCapacity];
        edgeMask = edgeCapacity - 1;

        int[] parentOf = new int[maxNodes];
        char[] labelOf = new char[maxNodes];
        int[] ownStop = new int[maxNodes];
        Arrays.fill(ownStop, -1);
        depth = new int[maxNodes];
        int nodes = 1;
        int maxDepth = 0;
        for (int i = 0; i < this.stops.length; i++) {
            String s = this.stops[i];
            int node = 0;
            for (int k = 0; k < s.length(); k++) {
                char c = s.charAt(k);
                int next = child(node, c);
                if (next < 0) {
                    next = nodes++;
                    parentOf[next] = node;
                    labelOf[next] = c;
                    depth[next] = k + 1;
                    putEdge(node, c, next);
                }
                node = next;
            }
            if (ownStop[node] < 0) {
                ownStop[node] = i;
            }
            maxDepth = Math.max(maxDepth, s.length());
        }

        // Failure links need every shallower node done first: order nodes by depth (counting sort).
        int[] countAtDepth = new int[maxDepth + 2];
        for (int v = 0; v < nodes; v++) {
            countAtDepth[depth[v] + 1]++;
        }
        for (int d = 1; d < countAtDepth.length; d++) {
            countAtDepth[d] += countAtDepth[d - 1];
        }
        int[] byDepth = new int[nodes];
        for (int v = 0; v < nodes; v++) {
            byDepth[countAtDepth[depth[v]]++] = v;
        }

        fail = new int[nodes];
        output = new int[nodes];
        output[0] = -1;
        for (int idx = 1; idx < nodes; idx++) {
            int v = byDepth[idx];
            int p = parentOf[v];
            if (p == 0) {
                fail[v] = 0;
            } else {
                fail[v] = step(fail[p], labelOf[v]);
            }
            output[v] = ownStop[v] >= 0 ? ownStop[v] : output[fail[v]];
        }
    }

    /** Feeds newly decoded text; returns the part that is now safe to emit (possibly ""). After a stop matched, returns "" forever. */
    public String append(String text) {
        if (matchedStop != null || text.isEmpty()) {
            return "";
        }
        if (stops.length == 0) {
            return text;
        }
        int n = text.length();
        int s = state;
        for (int i = 0; i < n; i++) {
            s = step(s, text.charAt(i));
            int m = output[s];
            if (m >= 0) {
                // The first completed stop ends earliest; output[] already prefers the longest on a tie.
                matchedStop = stops[m];
                int end = pending.length() + i + 1;
                int cut = includeStopInOutput ? end : end - matchedStop.length();
                String result = prefix(text, cut);
                pending.setLength(0);
                pending.trimToSize();
                return result;
            }
        }
        state = s;

        int p = pending.length();
        int total = p + n;
        int emit = total - depth[s];
        if (emit > 0 && Character.isHighSurrogate(charAt(text, emit - 1))
                && (emit == total || Character.isLowSurrogate(charAt(text, emit)))) {
            // The low half may only arrive with the next piece; never hand out half a code point.
            emit--;
        }
        if (p == 0 && emit == n) {
            return text;
        }
        String result = prefix(text, emit);
        if (emit >= p) {
            pending.setLength(0);
            pending.append(text, emit - p, n);
        } else {
            pending.delete(0, emit);
            pending.append(text);
        }
        return result;
    }

    /** True once a stop string matched. */
    public boolean stopped() {
        return matchedStop != null;
    }

    /** The stop string that matched, or null. */
    public String matchedStop() {
        return matchedStop;
    }

    /** End of generation without a stop match: returns the held-back text (may be ""). */
    public String flush() {
        if (matchedStop != null || pending.length() == 0) {
            return "";
        }
        String rest = pending.toString();
        pending.setLength(0);
        state = 0;
        return rest;
    }

    private char charAt(String text, int i) {
        int p = pending.length();
        return i < p ? pending.charAt(i) : text.charAt(i - p);
    }

    /** First {@code len} chars of pending + text. */
    private String prefix(String text, int len) {
        int p = pending.length();
        if (len <= 0) {
            return "";
        }
        if (len <= p) {
            return pending.substring(0, len);
        }
        if (p == 0) {
            return text.substring(0, len);
        }
        return new StringBuilder(len).append(pending).append(text, 0, len - p).toString();
    }

    private int step(int node, char c) {
        while (true) {
            int next = child(node, c);
            if (next >= 0) {
                return next;
            }
            if (node == 0) {
                return 0;
            }
            node = fail[node];
        }
    }

    private int child(int node, char c) {
        long key = ((long) node << 16) | c;
        int slot = slot(key);
        while (true) {
            long k = edgeKeys[slot];
            if (k == key) {
                return edgeTargets[slot];
            }
            if (k == EMPTY_KEY) {
                return -1;
            }
            slot = (slot + 1) & edgeMask;
        }
    }

    private void putEdge(int node, char c, int target) {
        long key = ((long) node << 16) | c;
        int slot = slot(key);
        while (edgeKeys[slot] != EMPTY_KEY) {
            slot = (slot + 1) & edgeMask;
        }
        edgeKeys[slot] = key;
        edgeTargets[slot] = target;
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & edgeMask;
    }
}
