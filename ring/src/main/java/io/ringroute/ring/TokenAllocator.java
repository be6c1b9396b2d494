package io.ringroute.ring;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * The balanced allocator's working state: a ring of tokens with owners, every node's exact replicated ownership for
 * r = 1..R, and the allocation step that places one new token where it most reduces the imbalance. Mutable and
 * single-threaded; {@link TokenLayout} copies a layout into one, changes it, and copies the result out. The
 * algorithm is specified step by step in ring/README.md ("Balanced allocation"); keep the two in step.
 *
 * <p>Loads are fractions of the circle in binary64: a node's load at r replicas is the summed length of the arcs
 * whose first r replicas (the zone-aware walk of {@link PreferenceWalk}) include it. Its target is
 * {@code r * weight / totalWeight}. The imbalance is the sum over every node and every r < (nodes on the ring) of
 * {@code ((load - target) / target)^2}.
 */
final class TokenAllocator {

    private static final double TWO_TO_64 = 0x1p64;
    /** Nodes considered as donors for each new token: the most loaded ones. */
    static final int DONORS = 8;
    /** Weight of the arc-uniformity term against the nodes' deviations (see {@link #step}). */
    static final double ARC_WEIGHT = 0.3;

    private final int replicas;

    // nodes, by index in the order they were given (join order)
    private String[] ids = new String[8];
    private double[] weight = new double[8];
    private int[] zoneOf = new int[8];
    private int[] tokenCount = new int[8];
    private int nodes;
    private double totalWeight;
    private final Map<String, Integer> zoneIndex = new HashMap<>();
    private int zones;
    private int[] zoneMembers = new int[8];   // nodes with tokens, per zone
    private int present;                      // nodes with tokens
    private int presentZones;                 // zones with a node with tokens

    // the ring
    private long[] tok = new long[64];
    private int[] own = new int[64];
    private int size;
    private int[] lists = new int[64 * 3];     // replicas node indices per token (padded with -1)
    private int[] reach = new int[64];         // steps the walk from each token examined

    // loads[r][n]: node n's load with r + 1 replicas
    private double[][] load;

    // scratch
    private boolean[] seen = new boolean[8];
    private boolean[] zoneUsed = new boolean[8];
    private int[] heldBack = new int[8];
    private int viewIns = -1;
    private int viewX = -1;
    private final IntUnaryOperator view = this::viewOwner;
    private final int[] walkOut;
    private final int[] oldOut;
    private int[] affected = new int[16];
    private int affectedCount;
    private int entries;
    private int[] eNode = new int[64];
    private int[] eR = new int[64];
    private double[] eC = new double[64];
    private double[] eD = new double[64];

    TokenAllocator(int replicas) {
        this.replicas = replicas;
        this.load = new double[replicas][8];
        this.walkOut = new int[replicas];
        this.oldOut = new int[replicas];
    }

    // ---- nodes -------------------------------------------------------------------------------------------------

    /** Registers a node (no tokens yet) and returns its index. */
    int addNode(String id, double w, String zone) {
        if (nodes == ids.length) {
            int cap = nodes * 2;
            ids = Arrays.copyOf(ids, cap);
            weight = Arrays.copyOf(weight, cap);
            zoneOf = Arrays.copyOf(zoneOf, cap);
            tokenCount = Arrays.copyOf(tokenCount, cap);
            seen = Arrays.copyOf(seen, cap);
            heldBack = Arrays.copyOf(heldBack, cap);
            for (int r = 0; r < replicas; r++) {
                load[r] = Arrays.copyOf(load[r], cap);
            }
        }
        int z;
        if (zone == null) {
            z = zones++;
        } else {
            Integer known = zoneIndex.get(zone);
            if (known == null) {
                known = zones++;
                zoneIndex.put(zone, known);
            }
            z = known;
        }
        if (zones > zoneMembers.length) {
            zoneMembers = Arrays.copyOf(zoneMembers, zones * 2);
            zoneUsed = Arrays.copyOf(zoneUsed, zones * 2);
        }
        ids[nodes] = id;
        weight[nodes] = w;
        zoneOf[nodes] = z;
        totalWeight += w;
        return nodes++;
    }

    void setWeight(int n, double w) {
        totalWeight += w - weight[n];
        weight[n] = w;
    }

    /** Loads a whole ring at once: node n's tokens are {@code tokens[n]}; then recomputes every load. */
    void load(long[][] tokens) {
        int total = 0;
        for (long[] t : tokens) {
            total += t.length;
        }
        long[] packed = new long[total];
        int k = 0;
        for (int n = 0; n < tokens.length; n++) {
            for (long t : tokens[n]) {
                packed[k++] = t;
            }
        }
        Arrays.sort(packed);
        tok = Arrays.copyOf(packed, Math.max(64, total * 2));
        own = new int[tok.length];
        reach = new int[tok.length];
        lists = new int[tok.length * replicas];
        size = total;
        for (int n = 0; n < tokens.length; n++) {
            for (long t : tokens[n]) {
                own[Arrays.binarySearch(tok, 0, size, t)] = n;
            }
            tokenCount[n] = tokens[n].length;
            if (tokens[n].length > 0) {
                present++;
                if (zoneMembers[zoneOf[n]]++ == 0) {
                    presentZones++;
                }
            }
        }
        recompute();
    }

    /** Places a token as given; call {@link #recompute()} before the next allocation step. */
    void putToken(int n, long token) {
        int i = Arrays.binarySearch(tok, 0, size, token);
        if (i >= 0) {
            throw new IllegalArgumentException("token " + token + " of node '" + ids[n] + "' is already held by '"
                    + ids[own[i]] + "'");
        }
        insertAt(-i - 1, token, n);
    }

    /** Removes a token; call {@link #recompute()} before the next allocation step. */
    void removeToken(long token) {
        int i = Arrays.binarySearch(tok, 0, size, token);
        int n = own[i];
        System.arraycopy(tok, i + 1, tok, i, size - i - 1);
        System.arraycopy(own, i + 1, own, i, size - i - 1);
        System.arraycopy(lists, (i + 1) * replicas, lists, i * replicas, (size - i - 1) * replicas);
        System.arraycopy(reach, i + 1, reach, i, size - i - 1);
        size--;
        if (--tokenCount[n] == 0) {
            present--;
            if (--zoneMembers[zoneOf[n]] == 0) {
                presentZones--;
            }
        }
    }

    /** The tokens of node n, ascending. */
    long[] tokensOf(int n) {
        long[] out = new long[tokenCount[n]];
        int k = 0;
        for (int i = 0; i < size; i++) {
            if (own[i] == n) {
                out[k++] = tok[i];
            }
        }
        return out;
    }

    // ---- allocation ----------------------------------------------------------------------------------------------

    /** Gives node n {@code count} more tokens, one allocation step each. */
    void allocate(int n, int count) {
        int finalCount = tokenCount[n] + count;
        for (int k = 0; k < count; k++) {
            if (size == 0) {
                placeEvenly(n, count);
                return;
            }
            step(n, (tokenCount[n] + 1.0) / finalCount, finalCount);
        }
        recompute();
    }

    /**
     * Takes {@code count} tokens away from node n, each time the one whose removal leaves the lowest imbalance
     * (ties: the lowest token).
     */
    void release(int n, int count) {
        for (int k = 0; k < count; k++) {
            removeToken(bestRemoval(n));
            recompute();
        }
    }

    /**
     * The restore step: moves one token of the node with the highest relative load (ties: the first in layout
     * order): removes its token whose arc passes to the node of lowest relative load, then places a new one for
     * that node with an allocation step. Returns false, leaving the ring unchanged, when the move would not lower the imbalance.
     */
    boolean relocateHottest() {
        int hottest = -1;
        double best = -1;
        for (int n = 0; n < nodes; n++) {
            if (tokenCount[n] > 1) {
                double s = relativeLoad(n);
                if (s > best) {
                    best = s;
                    hottest = n;
                }
            }
        }
        if (hottest < 0 || present < 2) {
            return false;
        }
        double before = imbalance();
        long[] savedTokens = Arrays.copyOf(tok, size);
        int[] savedOwners = Arrays.copyOf(own, size);
        removeToken(coldestSuccessor(hottest));
        recompute();
        step(hottest, 1.0, tokenCount[hottest] + 1);
        recompute();
        if (imbalance() < before) {
            return true;
        }
        while (size > 0) {
            removeToken(tok[size - 1]);
        }
        for (int i = 0; i < savedTokens.length; i++) {
            insertAt(i, savedTokens[i], savedOwners[i]);
        }
        recompute();
        return false;
    }

    /** Node n's token whose arc would pass to the node of lowest relative load (ties: the lowest token). */
    private long coldestSuccessor(int n) {
        long best = 0;
        double coldest = Double.POSITIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            if (own[i] == n) {
                int next = own[(i + 1) % size];
                double s = next == n ? Double.POSITIVE_INFINITY : relativeLoad(next);
                if (s < coldest) {
                    coldest = s;
                    best = tok[i];
                }
            }
        }
        return coldest == Double.POSITIVE_INFINITY ? tokensOf(n)[0] : best;
    }

    private long bestRemoval(int n) {
        long[] mine = tokensOf(n);
        long bestToken = mine[0];
        double best = Double.POSITIVE_INFINITY;
        for (long t : mine) {
            removeToken(t);
            recompute();
            double value = imbalance();
            putToken(n, t);
            if (value < best) {
                best = value;
                bestToken = t;
            }
        }
        recompute();
        return bestToken;
    }

    /** The relative load of node n: the largest load / target over r < present. */
    private double relativeLoad(int n) {
        double s = 0;
        for (int r = 0; r < replicas && r + 1 < Math.max(present, 2); r++) {
            s = Math.max(s, load[r][n] / target(n, r));
        }
        return s;
    }

    /** The first node on an empty ring: {@code count} tokens evenly spaced from the bottom of the circle. */
    private void placeEvenly(int n, int count) {
        long gap = Long.divideUnsigned(-1L, count);          // floor(2^64 / count), as 2^64 - 1 = q * count + rem
        if (Long.remainderUnsigned(-1L, count) == count - 1) {
            gap++;
        }
        for (int k = 0; k < count; k++) {
            insertAt(k, Long.MIN_VALUE + gap * k, n);
        }
        recompute();
    }

    /**
     * One allocation step: the best split of an arc touching a hot node, for node x, which should own
     * {@code progress} of its target once this token is placed.
     */
    private void step(int x, double progress, int perNode) {
        boolean[] hot = hotNodes(x);
        int presentAfter = present + (tokenCount[x] == 0 ? 1 : 0);
        int bestArc = -1;
        double bestDelta = Double.POSITIVE_INFINITY;
        double bestX = 0;
        for (int b = 0; b < size; b++) {
            if (own[b] == x || !touchesHot(b, hot, presentAfter)) {
                continue;
            }
            long lenUnits = arcUnits(b);
            if (lenUnits != 0 && Long.compareUnsigned(lenUnits, 2) < 0) {
                continue;
            }
            double len = lenUnits == 0 ? 1.0 : TokenRange.unsignedToDouble(lenUnits) / TWO_TO_64;
            collect(b, x, presentAfter);
            double a = 0;
            double bb = 0;
            double constant = 0;
            for (int e = 0; e < entries; e++) {
                int r = eR[e];
                if (r + 1 >= presentAfter) {
                    continue;
                }
                double target = target(eNode[e], r);
                double goal = eNode[e] == x ? target * progress : target;
                double l = load[r][eNode[e]];
                double dev = l + eD[e] - goal;
                double before = (l - goal) / target;
                a += eC[e] * eC[e] / (target * target);
                bb += eC[e] * dev / (target * target);
                constant += dev * dev / (target * target) - before * before;
            }
            // uniform arcs keep every r balanced at once: penalise ((arc - mean) / mean)^2 of the two pieces
            double mean = 1.0 / (size + 1);
            double lambda = ARC_WEIGHT / (perNode * perNode);
            a += lambda * 2 / (mean * mean);
            bb -= lambda * len / (mean * mean);
            constant += lambda;
            double take = a > 0 ? -bb / a : len / 2;
            take = Math.max(len / 1024, Math.min(len - len / 1024, take));
            double delta = a * take * take + 2 * bb * take + constant;
            if (delta < bestDelta) {
                bestDelta = delta;
                bestArc = b;
                bestX = take;
            }
        }
        if (bestArc < 0) {
            throw new IllegalStateException("no arc to split for node '" + ids[x] + "'");
        }
        commit(bestArc, x, bestX, presentAfter);
    }

    private double target(int n, int r) {
        return (r + 1) * weight[n] / totalWeight;
    }

    /** The {@link #DONORS} nodes with the highest relative load (load / target, the largest over r), x excluded. */
    private boolean[] hotNodes(int x) {
        int[] best = new int[DONORS];
        double[] score = new double[DONORS];
        int count = 0;
        int presentAfter = present + (tokenCount[x] == 0 ? 1 : 0);
        for (int n = 0; n < nodes; n++) {
            if (n == x || tokenCount[n] == 0) {
                continue;
            }
            double s = 0;
            for (int r = 0; r < replicas && r + 1 < Math.max(presentAfter, 2); r++) {
                s = Math.max(s, load[r][n] / target(n, r));
            }
            int pos = count;
            while (pos > 0 && score[pos - 1] < s) {
                pos--;
            }
            if (pos < DONORS) {
                int move = Math.min(count, DONORS - 1) - pos;
                System.arraycopy(best, pos, best, pos + 1, move);
                System.arraycopy(score, pos, score, pos + 1, move);
                best[pos] = n;
                score[pos] = s;
                count = Math.min(count + 1, DONORS);
            }
        }
        boolean[] hot = new boolean[nodes];
        for (int i = 0; i < count; i++) {
            hot[best[i]] = true;
        }
        return hot;
    }

    private boolean touchesHot(int b, boolean[] hot, int presentAfter) {
        int width = Math.min(replicas, Math.max(1, present));
        for (int j = 0; j < width; j++) {
            int n = lists[b * replicas + j];
            if (n >= 0 && hot[n]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Fills the entries (node, r, c, d): inserting x's token into arc b so that x takes a length {@code take} of
     * it changes that node's load at r + 1 replicas by {@code c * take + d}. Also records the affected earlier arcs.
     */
    private void collect(int b, int x, int presentAfter) {
        entries = 0;
        affectedCount = 0;
        int width = Math.min(replicas, presentAfter);
        // the new arc: it was part of arc b
        int got = walk(b, width, b, x, walkOut);
        diff(lists, b * replicas, walkOut, got, width, 1, 0);
        // earlier arcs whose walks reached arc b's token
        for (int back = 1; back < size; back++) {
            int p = Math.floorMod(b - back, size);
            if (reach[p] <= back) {
                break;
            }
            if (affectedCount == affected.length) {
                affected = Arrays.copyOf(affected, affectedCount * 2);
            }
            affected[affectedCount++] = p;
            int v = p < b ? p : p + 1;
            got = walk(v, width, b, x, walkOut);
            double len = arcFraction(p);
            diff(lists, p * replicas, walkOut, got, width, 0, len);
        }
    }

    /** Adds entries for the nodes that enter (+) or leave (-) the first r of a list, for every r up to width. */
    private void diff(int[] oldList, int oldOffset, int[] newList, int newSize, int width, double c, double d) {
        for (int r = 0; r < width; r++) {
            for (int j = 0; j <= r; j++) {
                int nn = j < newSize ? newList[j] : -1;
                if (nn >= 0 && !contains(oldList, oldOffset, r + 1, nn)) {
                    entry(nn, r, c, d);
                }
                int on = oldList[oldOffset + j];
                if (on >= 0 && !contains(newList, 0, Math.min(r + 1, newSize), on)) {
                    entry(on, r, -c, -d);
                }
            }
        }
    }

    private static boolean contains(int[] list, int offset, int count, int n) {
        for (int j = 0; j < count; j++) {
            if (list[offset + j] == n) {
                return true;
            }
        }
        return false;
    }

    private void entry(int n, int r, double c, double d) {
        for (int e = 0; e < entries; e++) {
            if (eNode[e] == n && eR[e] == r) {
                eC[e] += c;
                eD[e] += d;
                return;
            }
        }
        if (entries == eNode.length) {
            int cap = entries * 2;
            eNode = Arrays.copyOf(eNode, cap);
            eR = Arrays.copyOf(eR, cap);
            eC = Arrays.copyOf(eC, cap);
            eD = Arrays.copyOf(eD, cap);
        }
        eNode[entries] = n;
        eR[entries] = r;
        eC[entries] = c;
        eD[entries] = d;
        entries++;
    }

    private void commit(int b, int x, double take, int presentAfter) {
        collect(b, x, presentAfter);
        for (int e = 0; e < entries; e++) {
            load[eR[e]][eNode[e]] += eC[e] * take + eD[e];
        }
        long prev = tok[Math.floorMod(b - 1, size)];
        long lenUnits = arcUnits(b);
        long units = toUnits(take);
        if (lenUnits != 0) {
            units = Math.max(1, units);
            if (Long.compareUnsigned(units, lenUnits) >= 0) {
                units = lenUnits - 1;
            }
        }
        long token = prev + units;
        int pos = b == 0 && token > prev ? size : b;
        int[] earlier = Arrays.copyOf(affected, affectedCount);
        int zonesBefore = presentZones;
        int presentBefore = present;
        insertAt(pos, token, x);
        if (presentZones != zonesBefore || (present != presentBefore && present <= replicas)) {
            recompute(); // a new zone or a node within the first R changes walks anywhere on the ring
            return;
        }
        // refresh the walks of the new token and of the earlier arcs it changed
        refreshWalk(pos);
        for (int p : earlier) {
            refreshWalk(p < pos ? p : p + 1);
        }
    }

    /** A fraction of the circle in token units, rounded down; fractions >= 1 give the largest unsigned value. */
    static long toUnits(double fraction) {
        double v = Math.floor(fraction * TWO_TO_64);
        if (v >= TWO_TO_64) {
            return -1L;
        }
        return v >= 0x1p63 ? (long) (v - 0x1p63) + Long.MIN_VALUE : (long) v;
    }

    private void insertAt(int i, long token, int n) {
        if (size == tok.length) {
            int cap = size * 2;
            tok = Arrays.copyOf(tok, cap);
            own = Arrays.copyOf(own, cap);
            reach = Arrays.copyOf(reach, cap);
            lists = Arrays.copyOf(lists, cap * replicas);
        }
        System.arraycopy(tok, i, tok, i + 1, size - i);
        System.arraycopy(own, i, own, i + 1, size - i);
        System.arraycopy(reach, i, reach, i + 1, size - i);
        System.arraycopy(lists, i * replicas, lists, (i + 1) * replicas, (size - i) * replicas);
        tok[i] = token;
        own[i] = n;
        size++;
        if (tokenCount[n]++ == 0) {
            present++;
            if (zoneMembers[zoneOf[n]]++ == 0) {
                presentZones++;
            }
        }
    }

    private void refreshWalk(int p) {
        int width = Math.min(replicas, present);
        int got = walk(p, width, -1, -1, walkOut);
        for (int j = 0; j < replicas; j++) {
            lists[p * replicas + j] = j < got ? walkOut[j] : -1;
        }
    }

    /** Recomputes every token's walk and every load from scratch. */
    void recompute() {
        for (int r = 0; r < replicas; r++) {
            Arrays.fill(load[r], 0);
        }
        int width = Math.min(replicas, present);
        for (int p = 0; p < size; p++) {
            int got = walk(p, width, -1, -1, walkOut);
            double len = arcFraction(p);
            for (int j = 0; j < replicas; j++) {
                lists[p * replicas + j] = j < got ? walkOut[j] : -1;
            }
            for (int j = 0; j < got; j++) {
                for (int r = j; r < replicas; r++) {
                    load[r][walkOut[j]] += len;
                }
            }
        }
    }

    /** The imbalance: the sum of squared relative deviations from the targets over nodes and r < present. */
    double imbalance() {
        double sum = 0;
        for (int r = 0; r < replicas && r + 1 < present; r++) {
            for (int n = 0; n < nodes; n++) {
                if (weight[n] > 0 && (tokenCount[n] > 0)) {
                    double dev = (load[r][n] - target(n, r)) / target(n, r);
                    sum += dev * dev;
                }
            }
        }
        return sum;
    }

    // ---- the ring ----------------------------------------------------------------------------------------------

    /** Unsigned length of arc i in token units; 0 stands for the whole circle (a single token). */
    private long arcUnits(int i) {
        return tok[i] - tok[Math.floorMod(i - 1, size)];
    }

    private double arcFraction(int i) {
        long units = arcUnits(i);
        return units == 0 ? 1.0 : TokenRange.unsignedToDouble(units) / TWO_TO_64;
    }

    /**
     * The zone-aware walk of {@link PreferenceWalk} from arc {@code start} over the ring with, when {@code ins >=
     * 0}, node x's token inserted at position {@code ins} (positions at and after it shift by one). Writes up to r
     * node indices, returns how many; when {@code ins < 0}, {@link #reach} of the start gets the steps examined.
     */
    private int walk(int start, int r, int ins, int x, int[] out) {
        int zonesHere = presentZones;
        if (ins >= 0 && zoneMembers[zoneOf[x]] == 0) {
            zonesHere++;
        }
        viewIns = ins;
        viewX = x;
        long walked = PreferenceWalk.walk(view, ins >= 0 ? size + 1 : size, start, r, zonesHere, zoneOf, seen,
                zoneUsed, heldBack, out, 0);
        if (ins < 0) {
            reach[start] = (int) (walked >>> 32);
        }
        return (int) walked;
    }

    /** Owner at position q of the ring, or of the ring with x's token inserted at {@link #viewIns} when >= 0. */
    private int viewOwner(int q) {
        if (viewIns < 0 || q < viewIns) {
            return own[q];
        }
        return q == viewIns ? viewX : own[q - 1];
    }
}
