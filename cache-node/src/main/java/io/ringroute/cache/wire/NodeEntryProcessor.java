package io.ringroute.cache.wire;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An entry processor of the coherence protocol ({@link CoherenceSerializables}): it runs on a node, on the key's
 * partition thread, so it is atomic per key. Nodes keep no backups (replication is the client's), so there is no
 * backup processor.
 *
 * @param <R> what it answers the client
 */
abstract class NodeEntryProcessor<R> implements EntryProcessor<Object, byte[], R>, IdentifiedDataSerializable {

    /** Stores {@code stored} in the entry for {@code ttlMillis}; a negative TTL means the node's default. */
    static void store(Map.Entry<Object, byte[]> entry, byte[] stored, long ttlMillis) {
        if (ttlMillis < 0) {
            entry.setValue(stored);
        } else {
            ((ExtendedMapEntry<Object, byte[]>) entry).setValue(stored, ttlMillis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public final EntryProcessor<Object, byte[], R> getBackupProcessor() {
        return null;
    }

    @Override
    public final int getFactoryId() {
        return CoherenceSerializables.FACTORY_ID;
    }
}
