package io.ringroute.bench.peers.sharding;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.ringroute.shard.config.ServerSpec;

/** HikariCP pools sized like the shard router's own (the server spec's maximum and minimum idle). */
final class HikariPools {

    private HikariPools() {
    }

    static HikariDataSource open(String name, ServerSpec server, boolean readOnly) {
        HikariConfig c = new HikariConfig();
        c.setPoolName(name);
        c.setJdbcUrl(server.url());
        c.setUsername(server.user());
        c.setPassword(server.password());
        c.setMaximumPoolSize(server.maxPoolSize());
        c.setMinimumIdle(server.minIdle());
        c.setConnectionTimeout(server.connectionTimeout().toMillis());
        c.setReadOnly(readOnly);
        return new HikariDataSource(c);
    }
}
