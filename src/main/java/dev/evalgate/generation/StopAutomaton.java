package dev.evalgate.generation;

import java.util.Arrays;
import java.util.List;

/**
 * The stop strings of a request compiled once into an Aho–Corasick automaton over UTF-16 chars, shared by all its
 * choices (each keeps only its own state in a {@link StopSequenceMatcher}). A plain scan would cost O(stops × text)
 * per token, which hurts with hundreds of stops on the per-token path. Immutable and thread-safe.
 */
public final class StopAutomaton {

    private static final long EMPTY_KEY = -1L;

    final String[] stops;
    private final int[] fail;
    /** The length of each node's string: how much text it could still be the start of a stop with. */
    final int[] depth;
    /** Longest stop that is a suffix of the node's string (the tie-break on equal end), or -1. */
    final int[] output;
    private final long[] edgeKeys;
    private final int[] edgeTargets;
    private final int edgeMask;

    public StopAutomaton(List<String> stops) {
        this.stops = stops.toArray(new String[0]);

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

    /** The node reached from {@code node} by reading {@code c}. */
    int step(int node, char c) {
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
