package io.ringroute.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringroute.cache.node.CacheNode;
import io.ringroute.ring.KeyHash;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A hot reader here and a writer in another process (a child JVM whose client does not spread hot keys and knows
 * nothing of this one): every write and delete the other process completed is what the hot reader returns next.
 */
class HotKeyProcessesTest {

    /** A child JVM starts and connects within this, even on a heavily loaded machine. */
    private static final Duration CHILD_BOUND = Duration.ofSeconds(120);
    private static final List<CacheNode> NODES = new ArrayList<>();
    private static final HotKeys DETECTOR = new HotKeys(HotKeys.CAPACITY, 1, HotKeys.HOT_SHARE,
            HotKeys.DECAY_EVERY, 1);
    private static CacheCluster<String> reader;

    @BeforeAll
    static void start() {
        for (int i = 0; i < 3; i++) {
            NODES.add(TestNodes.start("hotproc"));
        }
        reader = TestNodes.cluster(NODES).replicationFactor(2).codec(ValueCodec.utf8()).hotKeys(DETECTOR).build();
    }

    @AfterAll
    static void stop() {
        TestNodes.closeAll(List.of(reader));
        TestNodes.closeAll(NODES);
    }

    @Test
    void aHotReaderNeverReturnsAValueOlderThanAWriteAnotherProcessCompleted() throws IOException {
        String key = "recent:celebrity";
        try (ChildJvm other = new ChildJvm(WritingClient.class, NODES)) {
            write(other, "put " + key + " v0 0");
            for (int i = 0; i < 50; i++) {
                assertThat(reader.get(key)).isEqualTo("v0");
            }
            assertThat(DETECTOR.isHot(KeyHash.token(key))).isTrue();
            for (int v = 1; v <= 10; v++) {
                write(other, "put " + key + " v" + v + " " + v);
                for (int i = 0; i < 10; i++) {
                    assertThat(reader.getEntry(key)).as("read %d after the other process wrote %d", i, v)
                            .isEqualTo(new CacheEntry<>("v" + v, v));
                }
            }
            write(other, "delete " + key + " 11");
            for (int i = 0; i < 10; i++) {
                assertThat(reader.get(key)).as("read %d after the other process deleted", i).isNull();
            }
        }
    }

    /** Has the other process make one write and waits until it returned there. */
    private static void write(ChildJvm other, String line) throws IOException {
        other.ask(line, CHILD_BOUND, WritingClient.DONE);
    }

    /**
     * The child JVM: a plain cluster client (no hot key spreading) of the nodes given as {@code id=address}; each
     * line on its stdin, {@code put <key> <value> <version>} or {@code delete <key> <version>}, is one write, after
     * which it prints {@link #DONE}. It exits when its stdin closes, so it also ends if the test dies.
     */
    static final class WritingClient {
        static final String DONE = "hot writer: done";

        public static void main(String[] args) throws IOException {
            CacheCluster.Builder<String> b = TestNodes.cluster(List.of()).replicationFactor(2)
                    .codec(ValueCodec.utf8());
            for (String a : args) {
                String[] idAddress = a.split("=", 2);
                b.node(idAddress[0], idAddress[1]);
            }
            try (CacheCluster<String> cluster = b.build();
                    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    String[] w = line.split(" ");
                    if (w[0].equals("put")) {
                        cluster.put(w[1], w[2], Long.parseLong(w[3]), null);
                    } else {
                        cluster.delete(w[1], Long.parseLong(w[2]));
                    }
                    System.out.println(DONE);
                    System.out.flush();
                }
            }
        }
    }
}
