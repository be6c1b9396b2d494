package io.ringroute.shard.reshard;

import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.WriteFence;
import io.ringroute.shard.config.RouterConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A leasing router in a process of its own, so that a test can stop it (SIGSTOP) as a host would: it cannot
 * release its lease then. Args: the router's properties file (with {@code catalog.writeLeases=true} and a pool of
 * one connection per primary, so the leased connection is the one every unit uses) and the key it writes to
 * {@code accounts (k, v)}. It writes the key once, prints {@code leased <pid of its server session>}, then
 * answers each stdin line {@code write <value>} with {@code ok} or {@code error <message>}; EOF closes it.
 * Every wait in it is the router's own (pool checkout, fence wait, socket timeout): all bounded.
 */
public final class LeasingWriterMain {

    private LeasingWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        String key = args[1];
        try (ShardRouter router = ShardRouter.builder().config(RouterConfig.load(Path.of(args[0]))).build();
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            router.write(key, Accounts.put(key, 1));            // passes the gate and takes the lease
            int[] pidAndLeases = router.write(key, c -> {
                Accounts.put(key, 1).apply(c);
                return new int[]{queryInt(c, "SELECT pg_backend_pid()"), queryInt(c, "SELECT count(*) FROM pg_locks"
                        + " WHERE pid = pg_backend_pid() AND locktype = 'advisory' AND granted"
                        + " AND classid = '" + (WriteFence.LEASE_KEY >>> 32) + "'::oid"
                        + " AND objid = '" + (WriteFence.LEASE_KEY & 0xffffffffL) + "'::oid AND objsubid = 1")};
            });
            System.out.println(pidAndLeases[1] == 1 ? "leased " + pidAndLeases[0]
                    : "error the connection holds no lease after its second unit");
            for (String line; (line = in.readLine()) != null; ) {
                try {
                    router.write(key, Accounts.put(key, Long.parseLong(line.substring("write ".length()))));
                    System.out.println("ok");
                } catch (SQLException | RuntimeException e) {
                    System.out.println(("error " + e).replace('\n', ' '));
                }
            }
        }
    }


    private static int queryInt(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
