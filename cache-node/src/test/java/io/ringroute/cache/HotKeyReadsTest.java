package io.ringroute.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringroute.cache.node.CacheNode;
import io.ringroute.ring.KeyHash;
import io.ringroute.ring.ReplicaSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Two cluster clients on three nodes, as two application processes would have them: the reader finds a key hot and
 * spreads its reads over the key's replicas; the writer does not spread (it does not know the key is hot) and writes
 * as every client does. Whatever the writer completed, the hot reader never returns anything older.
 */
class HotKeyReadsTest {

    private static final List<CacheNode> NODES = new ArrayList<>();
    /** Samples every read, so a few reads make a key hot (the client's own detector samples one in 64). */
    private static final HotKeys DETECTOR = new HotKeys(HotKeys.CAPACITY, 1, HotKeys.HOT_SHARE,
            HotKeys.DECAY_EVERY, 1);
    private static CacheCluster<String> reader;
    private static CacheCluster<String> writer;
    private String key;

    @BeforeAll
    static void start() {
        for (int i = 0; i < 3; i++) {
            NODES.add(TestNodes.start("hot"));
        }
        reader = TestNodes.cluster(NODES).replicationFactor(2).codec(ValueCodec.utf8()).hotKeys(DETECTOR).build();
        writer = TestNodes.cluster(NODES).replicationFactor(2).codec(ValueCodec.utf8()).build();
    }

    @AfterAll
    static void stop() {
        TestNodes.closeAll(List.of(reader, writer));
        TestNodes.closeAll(NODES);
    }

    /** A key of its own for each test, written by the writer at version 0 and read until the reader finds it hot. */
    @BeforeEach
    void makeHot(TestInfo test) {
        key = "recent:" + test.getDisplayName();
        writer.put(key, "v0", 0, null);
        for (int i = 0; i < 50; i++) {
            assertThat(reader.get(key)).isEqualTo("v0");
        }
        assertThat(DETECTOR.isHot(KeyHash.token(key))).isTrue();
    }

    private long hitsOn(String nodeId) {
        return reader.stats().node(nodeId).hits();
    }

    @Test
    void aHotKeysReadsShareOutOverBothItsReplicasAndNoOtherNode() {
        ReplicaSet replicas = reader.ring().replicas(key, 2);
        String other = NODES.stream().map(CacheNode::name).filter(id -> !replicas.containsId(id)).findFirst()
                .orElseThrow();
        long[] before = {hitsOn(replicas.get(0).id()), hitsOn(replicas.get(1).id()), hitsOn(other)};
        for (int i = 0; i < 200; i++) {
            assertThat(reader.get(key)).isEqualTo("v0");
        }
        assertThat(hitsOn(replicas.get(0).id()) - before[0]).as("primary").isBetween(40L, 160L);
        assertThat(hitsOn(replicas.get(1).id()) - before[1]).as("second replica").isBetween(40L, 160L);
        assertThat(hitsOn(other) - before[2]).as("%s holds no copy", other).isZero();
    }

    @Test
    void aHotReaderNeverReturnsAValueOlderThanAWriteAnotherClientCompleted() {
        for (int v = 1; v <= 10; v++) {
            writer.put(key, "v" + v, v, null);
            for (int i = 0; i < 10; i++) {
                assertThat(reader.getEntry(key)).as("read %d after write %d", i, v)
                        .isEqualTo(new CacheEntry<>("v" + v, v));
            }
        }
        writer.delete(key, 31);
        for (int i = 0; i < 10; i++) {
            assertThat(reader.get(key)).as("read %d after the delete", i).isNull();
            assertThat(reader.getAll(List.of(key))).as("getAll %d after the delete", i).isEmpty();
        }
    }

    @Test
    void whileAnotherClientWritesAHotReaderSeesEveryCompletedWriteOrANewerOne() throws Exception {
        AtomicLong completed = new AtomicLong(); // the newest version whose write returned
        CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> {
            for (long v = 1; v <= 100; v++) {
                writer.put(key, "v" + v, v, null);
                completed.set(v);
            }
        });
        long reads = 0;
        while (!writes.isDone() && reads < 100_000) {
            long atLeast = completed.get();
            CacheEntry<String> got = reader.getEntry(key);
            assertThat(got.version()).as("read %d, after write %d completed", reads, atLeast)
                    .isGreaterThanOrEqualTo(atLeast);
            assertThat(got.value()).isEqualTo("v" + got.version());
            reads++;
        }
        writes.get(30, TimeUnit.SECONDS);
        assertThat(reader.getEntry(key)).isEqualTo(new CacheEntry<>("v100", 100));
        assertThat(DETECTOR.isHot(KeyHash.token(key))).as("the key stayed hot throughout").isTrue();
    }
}
