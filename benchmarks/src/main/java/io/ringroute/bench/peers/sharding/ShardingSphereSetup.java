package io.ringroute.bench.peers.sharding;

import com.zaxxer.hikari.HikariDataSource;
import io.ringroute.shard.embedded.EmbeddedShard;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.shardingsphere.driver.api.yaml.YamlShardingSphereDataSourceFactory;

/**
 * ShardingSphere-JDBC 5.5.2 over the embedded shards, configured as its YAML documentation shows for a hash-sharded
 * table behind read/write splitting: one readwrite-splitting group {@code ds_i} per shard (write data source the
 * primary, read data source its standby, no load balancer named, so the default one), and a sharding rule that places
 * each table's rows on {@code ds_0 .. ds_(n-1)} with the built-in {@code HASH_MOD} algorithm on the key column.
 * Standalone mode (the JDBC default). The data sources are HikariCP pools sized like the shard router's.
 *
 * <p>HASH_MOD is one of ShardingSphere's auto sharding algorithms, which its sharding rule accepts only for
 * {@code autoTables}: a logic table {@code t} becomes {@code sharding-count} actual tables {@code t_0 .. t_(count-1)}
 * spread over the data sources; with one table per shard, {@code t_i} lives on shard {@code i} (each shard has only
 * its own {@code t_i}, so a statement routed elsewhere would fail, and none did).
 */
final class ShardingSphereSetup implements AutoCloseable {

    private final DataSource dataSource;
    private final List<HikariDataSource> pools;

    private ShardingSphereSetup(DataSource dataSource, List<HikariDataSource> pools) {
        this.dataSource = dataSource;
        this.pools = pools;
    }

    /** A ShardingSphere data source sharding {@code tables} (key column {@code k}) over all of {@code shards}. */
    static ShardingSphereSetup open(List<EmbeddedShard> shards, List<String> tables) throws SQLException {
        Map<String, DataSource> sources = new LinkedHashMap<>();
        for (int i = 0; i < shards.size(); i++) {
            EmbeddedShard s = shards.get(i);
            sources.put("ds_" + i + "_primary", HikariPools.open("ss-ds_" + i + "-primary", s.primary().spec(),
                    false));
            sources.put("ds_" + i + "_replica", HikariPools.open("ss-ds_" + i + "-replica", s.replica(0).spec(),
                    true));
        }
        List<HikariDataSource> pools = sources.values().stream().map(HikariDataSource.class::cast).toList();
        try {
            byte[] yaml = yaml(shards.size(), tables).getBytes(StandardCharsets.UTF_8);
            return new ShardingSphereSetup(YamlShardingSphereDataSourceFactory.createDataSource(sources, yaml),
                    pools);
        } catch (java.io.IOException e) {
            pools.forEach(HikariDataSource::close);
            throw new SQLException("ShardingSphere rejected its configuration: " + e.getMessage(), e);
        } catch (SQLException | RuntimeException e) {
            pools.forEach(HikariDataSource::close);
            throw e;
        }
    }

    /** The rules, as the YAML a user would write. */
    static String yaml(int shards, List<String> tables) {
        StringBuilder sources = new StringBuilder();
        for (int i = 0; i < shards; i++) {
            sources.append(i == 0 ? "" : ",").append("ds_").append(i);
        }
        StringBuilder y = new StringBuilder("databaseName: ringroute_peers\n")
                .append("rules:\n")
                .append("- !SHARDING\n")
                .append("  autoTables:\n");
        for (String t : tables) {
            y.append("    ").append(t).append(":\n")
                    .append("      actualDataSources: ").append(sources).append('\n')
                    .append("      shardingStrategy:\n")
                    .append("        standard:\n")
                    .append("          shardingColumn: k\n")
                    .append("          shardingAlgorithmName: k_hash_mod\n");
        }
        y.append("  shardingAlgorithms:\n")
                .append("    k_hash_mod:\n")
                .append("      type: HASH_MOD\n")
                .append("      props:\n")
                .append("        sharding-count: ").append(shards).append('\n')
                .append("- !READWRITE_SPLITTING\n")
                .append("  dataSourceGroups:\n");
        for (int i = 0; i < shards; i++) {
            y.append("    ds_").append(i).append(":\n")
                    .append("      writeDataSourceName: ds_").append(i).append("_primary\n")
                    .append("      readDataSourceNames:\n")
                    .append("        - ds_").append(i).append("_replica\n");
        }
        return y.append("props:\n  sql-show: false\n").toString();
    }

    DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        if (dataSource instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // the pools below are closed either way
            }
        }
        pools.forEach(HikariDataSource::close);
    }
}
