package io.ringroute.cache.wire;

import com.hazelcast.config.SerializationConfig;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * The types of the coherence protocol that cross the wire between a cluster client and its nodes, with Hazelcast's
 * {@code IdentifiedDataSerializable} (no Java serialization, no reflection): factory {@value #FACTORY_ID}. Both the
 * member and every client register it ({@link #register}).
 */
public final class CoherenceSerializables implements DataSerializableFactory {

    static final int FACTORY_ID = 2;
    static final int VERSIONED_WRITE = 1;
    static final int INVALIDATE = 2;
    static final int LEASE_ACQUIRE = 3;
    static final int LEASE_END = 4;

    /** Adds this factory to a member's or a client's serialization config. */
    public static SerializationConfig register(SerializationConfig config) {
        return config.addDataSerializableFactory(FACTORY_ID, new CoherenceSerializables());
    }

    @Override
    public IdentifiedDataSerializable create(int typeId) {
        return switch (typeId) {
            case VERSIONED_WRITE -> new VersionedWrite();
            case INVALIDATE -> new Invalidate();
            case LEASE_ACQUIRE -> new LeaseAcquire();
            case LEASE_END -> new LeaseEnd();
            default -> throw new IllegalArgumentException("unknown coherence type id " + typeId);
        };
    }
}
