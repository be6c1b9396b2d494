package io.ringroute.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringroute.cache.node.CacheNode;
import io.ringroute.ring.ReplicaSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two cluster clients on three nodes, as two application processes would have them: the reader finds a key hot and
 * spreads its reads over the key's replicas; the writer does not spread (it does not know the key is hot) and writes
 * as every client does. Whatever the writer completed, the hot reader never returns anything older.
 */
class HotKeyReadsTest {

    private static final List<CacheNode> NODES = new ArrayList<>();
    private static final String KEY = "recent:celebrity";
    private CacheCluster<String> reader;
    private CacheCluster<String> writer;

    @BeforeAll
    static void startNodes() {
        for (int i = 0; i < 3; i++) {
            NODES.add(TestNodes.start("hot"));
        }
    }

    @AfterAll
    static void stopNodes() {
        TestNodes.closeAll(NODES);
    }

    @BeforeEach
    void connect() {
        NODES.forEach(n -> n.map().clear());
        // samples every read, so a few reads make the key hot (the client's own detector samples one in 64)
        reader = TestNodes.cluster(NODES).replicationFactor(2).codec(ValueCodec.utf8())
                .hotKeys(new HotKeys(HotKeys.CAPACITY, 1, HotKeys.HOT_SHARE, HotKeys.DECAY_EVERY, 1)).build();
        writer = TestNodes.cluster(NODES).replicationFactor(2).codec(ValueCodec.utf8()).build();
    }

    @AfterEach
    void disconnect() {
        reader.close();
        writer.close();
    }

    private void makeHot() {
        writer.put(KEY, "v0", 0, null);
        for (int i = 0; i < 50; i++) {
            assertThat(reader.get(KEY)).isEqualTo("v0");
        }
        assertThat(reader.stats().hotKeys()).isEqualTo(1);
    }

    private long hitsOn(String nodeId) {
        return reader.stats().node(nodeId).hits();
    }

    @Test
    void aHotKeysReadsShareOutOverBothItsReplicasAndNoOtherNode() {
        makeHot();
        ReplicaSet replicas = reader.ring().replicas(KEY, 2);
        long[] before = {hitsOn(replicas.get(0).id()), hitsOn(replicas.get(1).id())};
        for (int i = 0; i < 200; i++) {
            reader.get(KEY);
        }
        assertThat(hitsOn(replicas.get(0).id()) - before[0]).as("primary").isBetween(40L, 160L);
        assertThat(hitsOn(replicas.get(1).id()) - before[1]).as("second replica").isBetween(40L, 160L);
        NODES.stream().map(CacheNode::name).filter(id -> !replicas.containsId(id))
                .forEach(id -> assertThat(hitsOn(id)).as("%s holds no copy", id).isZero());
    }

    @Test
    void aHotReaderNeverReturnsAValueOlderThanAWriteAnotherClientCompleted() {
        makeHot();
        for (int v = 1; v <= 30; v++) {
            writer.put(KEY, "v" + v, v, null);
            for (int i = 0; i < 10; i++) {
                assertThat(reader.getEntry(KEY)).as("read %d after write %d", i, v)
                        .isEqualTo(new CacheEntry<>("v" + v, v));
            }
        }
        writer.delete(KEY, 31);
        for (int i = 0; i < 10; i++) {
            assertThat(reader.get(KEY)).as("read %d after the delete", i).isNull();
            assertThat(reader.getAll(List.of(KEY))).as("getAll %d after the delete", i).isEmpty();
        }
    }

    @Test
    void whileAnotherClientWritesAHotReaderSeesEveryCompletedWriteOrANewerOne() throws Exception {
        makeHot();
        AtomicLong completed = new AtomicLong(); // the newest version whose write returned
        CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> {
            for (long v = 1; v <= 300; v++) {
                writer.put(KEY, "v" + v, v, null);
                completed.set(v);
            }
        });
        long reads = 0;
        while (!writes.isDone() && reads < 100_000) {
            long atLeast = completed.get();
            CacheEntry<String> got = reader.getEntry(KEY);
            assertThat(got.version()).as("read %d, after write %d completed", reads, atLeast)
                    .isGreaterThanOrEqualTo(atLeast);
            assertThat(got.value()).isEqualTo("v" + got.version());
            reads++;
        }
        writes.get(30, TimeUnit.SECONDS);
        assertThat(reader.getEntry(KEY)).isEqualTo(new CacheEntry<>("v300", 300));
        assertThat(reader.stats().hotKeys()).as("the key stayed hot throughout").isEqualTo(1);
    }
}
