package io.ringroute.bench.harness;

import java.util.List;

/** Rendezvous hashing ({@link Rendezvous}) over a membership, weights included. */
final class RendezvousRouter implements KeyRouter {

    private final Rendezvous rendezvous;
    private final String[] ids;

    RendezvousRouter(Membership membership) {
        List<String> idList = membership.ids();
        this.ids = idList.toArray(new String[0]);
        this.rendezvous = Rendezvous.weighted(idList,
                membership.members().stream().mapToDouble(Member::weight).toArray());
    }

    @Override
    public String owner(String key, long token) {
        return ids[rendezvous.pick(token)];
    }

    @Override
    public int replicas(String key, long token, int r, String[] out) {
        int[] picked = new int[r];
        int n = rendezvous.top(token, r, picked);
        for (int i = 0; i < n; i++) {
            out[i] = ids[picked[i]];
        }
        return n;
    }

    @Override
    public KeyRouter with(Membership next) {
        return new RendezvousRouter(next);
    }

    /** A seed (and a weight) per node plus the names. */
    @Override
    public long estimatedBytes() {
        return MemoryEstimate.array(ids.length, MemoryEstimate.LONG)
                + MemoryEstimate.array(ids.length, MemoryEstimate.REFERENCE);
    }
}
