package io.ringroute.bench.peers;

import java.util.HashMap;
import java.util.Map;

/**
 * One of the two systems compared: a native Hazelcast cluster or ringroute's {@code CacheCluster} over
 * one-member nodes. Both hold the same keys and values in member processes this run started, and both grow by a
 * fifth member and lose one to kill -9 under load.
 */
interface HazelcastPeer extends AutoCloseable {

    /**
     * A membership change and what it moved.
     *
     * @param seconds          from the change's start until the system serves from its new layout (copies done)
     * @param keysPrimaryMoved keys whose primary copy changed member
     * @param keysTouched      ringroute: keys whose replica set changed; native: keys of the partitions with a
     *                         replica migration that had a source member
     * @param entriesCopied    entries copied to the new member (ringroute: by the warming copy; native: what the
     *                         new member holds once migrations are done); 0 for a kill
     * @param detail           the system's own account, in words
     */
    record Change(double seconds, long keysPrimaryMoved, long keysTouched, long entriesCopied, String detail) {
    }

    String label();

    /** Waits for the member processes and connects the client. */
    void open() throws Exception;

    /** The value, or null on a miss; a call the system could not serve throws. */
    byte[] get(String key);

    void put(String key, byte[] value);

    /** Writes the entries in as few calls as the system allows. */
    void putAll(Map<String, byte[]> entries);

    /**
     * Writes every key, 1,000 at a time; a batch that throws (a connection dropped on a loaded machine) is written
     * again, up to 5 times.
     */
    default void preload(String[] keys, byte[] value) {
        Map<String, byte[]> batch = new HashMap<>();
        for (int i = 0; i < keys.length; i++) {
            batch.put(keys[i], value);
            if (batch.size() == 1000 || i == keys.length - 1) {
                for (int attempt = 1; ; attempt++) {
                    try {
                        putAll(batch);
                        break;
                    } catch (RuntimeException e) {
                        if (attempt == 5) {
                            throw e;
                        }
                    }
                }
                batch.clear();
            }
        }
    }

    /** Heap and map statistics summed over the live members. */
    HazelcastMemoryProbe.Sample memory() throws Exception;

    /** Adds the fifth member or node; returns once it serves its share. */
    Change join(String[] keys) throws Exception;

    /** kill -9 of one of the first four; returns once the system has routed around it. */
    Change kill(String[] keys) throws Exception;

    /** Calls to a member that failed without reaching the caller (served by another replica), so far. */
    long absorbedErrors();

    @Override
    void close();
}
