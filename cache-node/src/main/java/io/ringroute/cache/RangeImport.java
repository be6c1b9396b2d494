package io.ringroute.cache;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.IMap;
import java.io.Serializable;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Runs on the target node: stores exported entries with their remaining time-to-live, unless the key is already
 * there. A key present already was written by a client during the copy and is newer than the exported value.
 */
final class RangeImport implements Callable<Integer>, HazelcastInstanceAware, Serializable {

    private static final long serialVersionUID = 1L;

    private final RangeEntries entries;
    private transient HazelcastInstance member;

    RangeImport(RangeEntries entries) {
        this.entries = entries;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.member = instance;
    }

    @Override
    public Integer call() {
        IMap<Object, byte[]> map = member.getMap(CacheNode.MAP_NAME);
        int stored = 0;
        for (int i = 0; i < entries.size(); i++) {
            if (map.putIfAbsent(entries.keys[i], entries.values[i], entries.ttlMillis[i], TimeUnit.MILLISECONDS)
                    == null) {
                stored++;
            }
        }
        return stored;
    }
}
