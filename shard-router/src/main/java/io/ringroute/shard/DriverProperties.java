package io.ringroute.shard;

import io.ringroute.shard.config.ServerSpec;
import java.util.Properties;

/** pgjdbc settings that bound every network wait by the server spec's timeouts, instead of the driver's none. */
final class DriverProperties {

    private DriverProperties() {
    }

    static void apply(ServerSpec spec, Properties p) {
        long connectSeconds = Math.max(1, (spec.connectionTimeout().toMillis() + 999) / 1000);
        p.setProperty("connectTimeout", Long.toString(connectSeconds));
        p.setProperty("loginTimeout", Long.toString(connectSeconds));
        p.setProperty("socketTimeout", Long.toString((spec.socketTimeout().toMillis() + 999) / 1000));
        p.setProperty("ApplicationName", "ringroute");
        p.setProperty("tcpKeepAlive", "true");
    }

    /** Properties for a connection opened outside a pool (poller, catalog, resharder). */
    static Properties forDirectConnection(ServerSpec spec) {
        Properties p = new Properties();
        apply(spec, p);
        p.setProperty("user", spec.user());
        if (!spec.password().isEmpty()) {
            p.setProperty("password", spec.password());
        }
        return p;
    }
}
