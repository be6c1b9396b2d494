package io.ringroute.bench.peers.sharding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Properties;
import org.apache.shardingsphere.infra.datanode.DataNodeInfo;
import org.apache.shardingsphere.sharding.algorithm.sharding.mod.HashModShardingAlgorithm;
import org.apache.shardingsphere.sharding.api.sharding.standard.PreciseShardingValue;
import org.junit.jupiter.api.Test;

class HashModTest {

    @Test
    void placesEveryKeyWhereShardingSpheresHashModRoutesIt() {
        for (int shards : new int[]{2, 3}) {
            HashModShardingAlgorithm algorithm = new HashModShardingAlgorithm();
            Properties props = new Properties();
            props.setProperty("sharding-count", String.valueOf(shards));
            algorithm.init(props);
            List<String> tables = shards == 2 ? List.of("accounts_ss_0", "accounts_ss_1")
                    : List.of("accounts_ss_0", "accounts_ss_1", "accounts_ss_2");
            DataNodeInfo node = new DataNodeInfo("accounts_ss_", 1, '0');
            for (int i = 0; i < 20_000; i++) {
                String key = i % 2 == 0 ? "acct-" + i : "u" + i + "-k" + (i % 4);
                String routed = algorithm.doSharding(tables,
                        new PreciseShardingValue<Comparable<?>>("accounts_ss", "k", node, key));
                assertThat(routed).as(key).isEqualTo("accounts_ss_" + HashMod.index(key, shards));
            }
        }
    }
}
