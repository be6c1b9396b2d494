package io.ringroute.cache.invalidation;

import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.NodeLink;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes cached keys when the rows they came from change, driven by one shard primary's write-ahead log, as
 * Facebook's memcache does with McSqueal (Nishtala et al., "Scaling Memcache at Facebook", NSDI 2013).
 *
 * <p>It follows a logical replication slot ({@code pgoutput}) of the primary, maps every changed row to cache keys
 * with the application's {@link RowKeys}, and deletes those keys on every node of the cache cluster's ring. The
 * slot's position is confirmed only after a transaction's keys were delivered: deleted on each node, or, for a node
 * that could not be reached, that node marked on the {@link PurgeList} (so every client empties it before reading
 * it again). If the mark cannot be written either, nothing is confirmed and the delivery is repeated; if the
 * invalidator dies, the next one replays from the slot. A {@code TRUNCATE} marks every node.
 *
 * <p>One invalidator per shard streams at a time: the slot admits one session; others wait, retrying, and take
 * over when it goes. Run it beside any process that can reach the primary and the cache nodes; start it with
 * {@link #builder()} and {@link Builder#start()}; {@link #close()} stops it and keeps the slot (drop the slot when
 * the invalidator is retired: it keeps WAL on the primary's disk while nobody reads it).
 */
public final class CacheInvalidator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CacheInvalidator.class);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final long MAX_DELAY_MICROS = TimeUnit.HOURS.toMicros(1);
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);
    /**
     * How long the publication's tables may be missing before it is worth a WARN: a shard that is being added gets
     * its invalidator as soon as it is listed, and its tables a moment later; a name that stays missing is a mistake.
     */
    private static final long MISSING_TABLES_GRACE_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final String UNDEFINED_TABLE = "42P01";

    private final InvalidatorSettings settings;
    private final RowKeys mapping;
    private final CacheCluster<?> cache;
    private final Delivery delivery;
    private final boolean purgeOnNewSlot;
    private final Duration retry;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Thread thread;
    private final LongAdder transactions = new LongAdder();
    private volatile long markedTransactions;
    private final LongAdder keysDeleted = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder sessionFailures = new LongAdder();
    private final Histogram delay = new ConcurrentHistogram(MAX_DELAY_MICROS, 2);
    private volatile boolean active;
    private volatile long confirmedLsn;

    private CacheInvalidator(Builder b) {
        this.settings = new InvalidatorSettings(b.url, b.user, b.password, b.slot, b.publication, b.tables,
                b.callTimeout, b.maxBatchKeys, b.marker);
        this.mapping = b.mapping;
        this.cache = b.cache;
        this.retry = b.retry;
        this.delivery = new Delivery(new NodeLinks(cache, NodeLink.opener(b.callTimeout, b.secret),
                "ringroute-invalidator-" + b.slot), new ReplayGate(b.standbys, b.replayWait), b.purgeList,
                b.tombstones);
        this.purgeOnNewSlot = b.purgeOnNewSlot;
        this.thread = new Thread(this::run, "ringroute-invalidator-" + b.slot);
        this.thread.setDaemon(true);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether this invalidator holds the slot and is following the WAL now. */
    public boolean isActive() {
        return active;
    }

    public InvalidatorStats stats() {
        return new InvalidatorStats(active, transactions.sum(), markedTransactions, keysDeleted.sum(),
                delivery.failedDeliveries(), retries.sum(), sessionFailures.sum(), SlotStream.lsn(confirmedLsn),
                delay.copy());
    }

    /** Stops following the slot (it stays, at the last confirmed position) and disconnects from the nodes. */
    @Override
    public void close() {
        closing.countDown();
        try {
            thread.join(settings.callTimeout().toMillis() * 3 + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        delivery.close();
    }

    private boolean closed() {
        return closing.getCount() == 0;
    }

    /** Opens sessions on the slot until closed; after a failure waits {@code retry}, doubling to 30 s. */
    private void run() {
        Duration wait = retry;
        String lastError = null;
        long tablesMissingSince = 0;
        while (!closed()) {
            try (SlotStream stream = SlotStream.open(settings, purgeOnNewSlot ? this::markEveryNode : () -> { })) {
                active = true;
                wait = retry;
                lastError = null;
                tablesMissingSince = 0;
                LOG.debug("invalidator streaming slot {} on {}", settings.slot(), settings.redactedUrl());
                follow(stream);
            } catch (SlotStream.SlotInUseException e) {
                LOG.debug("slot {} is in use by another invalidator; waiting: {}", settings.slot(), e.getMessage());
            } catch (SQLException | RuntimeException e) {
                sessionFailures.increment();
                String error = e.toString();
                boolean tablesMissing = e instanceof SQLException s && UNDEFINED_TABLE.equals(s.getSQLState());
                long now = System.nanoTime();
                tablesMissingSince = !tablesMissing ? 0 : tablesMissingSince == 0 ? now : tablesMissingSince;
                if (tablesMissing && now - tablesMissingSince < MISSING_TABLES_GRACE_NANOS) {
                    LOG.debug("publication {} on {} names tables not created yet; retrying: {}",
                            settings.publication(), settings.redactedUrl(), error);
                } else if (!error.equals(lastError)) { // once per cause, not once per retry
                    LOG.warn("invalidator on slot {} of {} stopped; replaying from the slot: {}", settings.slot(),
                            settings.redactedUrl(), error);
                    lastError = error;
                }
                // tables about to be created: look again soon, so that the slot follows the shard from its start
                wait = tablesMissing ? retry
                        : wait.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : wait.multipliedBy(2);
            } finally {
                active = false;
            }
            pause(wait);
        }
    }

    /** Reads whole transactions, delivers them in batches, confirms each delivered batch. */
    private void follow(SlotStream stream) throws SQLException {
        PgOutput decoder = new PgOutput();
        Batch batch = new Batch(mapping, settings.marker());
        long markedBefore = markedTransactions;
        while (!closed()) {
            ByteBuffer msg = stream.readPending();
            if (msg != null) {
                decoder.decode(msg, batch);
                if (!batch.inTransaction()) {
                    long marked = markedBefore + batch.markedTransactions();
                    if (marked != markedTransactions) {
                        markedTransactions = marked;
                        if (!batch.hasCommits()) {
                            confirm(stream, stream.lastReceived()); // a busy stream of marked ones still advances
                        }
                    }
                    if (batch.keys().size() >= settings.maxBatchKeys()) {
                        deliver(batch, stream);
                    }
                }
            } else if (batch.hasCommits()) {
                deliver(batch, stream); // the stream has nothing more for now: deliver what came
            } else {
                if (!batch.inTransaction()) {
                    // everything received is delivered: WAL up to here (e.g. of other tables) may go
                    confirm(stream, stream.lastReceived());
                }
                LockSupport.parkNanos(IDLE_PARK_NANOS);
            }
        }
    }

    /** Delivers the batch, repeating until it is delivered or marked, then confirms its end. */
    private void deliver(Batch batch, SlotStream stream) throws SQLException {
        delivery.awaitStandbys(batch);
        String lastError = null;
        while (!closed()) {
            try {
                delivery.deliver(batch);
                break;
            } catch (RuntimeException e) {
                retries.increment();
                String error = String.valueOf(e.getMessage());
                if (!error.equals(lastError)) {
                    LOG.warn("invalidations up to {} not delivered, slot {} stays at {}; retrying every {} ms: {}",
                            SlotStream.lsn(batch.endLsn()), settings.slot(), SlotStream.lsn(stream.confirmed()),
                            retry.toMillis(), error);
                    lastError = error;
                }
                stream.keepAlive();
                pause(retry);
            }
        }
        if (closed()) {
            return; // not confirmed: the next invalidator replays it
        }
        long now = System.currentTimeMillis() * 1000;
        for (int i = 0; i < batch.transactions(); i++) {
            delay.recordValue(Math.max(0, Math.min(MAX_DELAY_MICROS, now - batch.commitMicros(i))));
        }
        transactions.add(batch.transactions());
        keysDeleted.add(batch.keys().size());
        confirm(stream, batch.endLsn());
        batch.delivered();
    }

    /**
     * A new slot decodes only what commits after it: whatever the nodes cached before may be stale (the first
     * start, or a slot lost with a failed-over primary). So every node is marked first, and emptied by the clients.
     */
    private void markEveryNode() {
        delivery.markEveryNode("new replication slot " + settings.slot() + " on " + settings.redactedUrl()
                + ": changes before it are unknown");
    }

    private void confirm(SlotStream stream, long lsn) throws SQLException {
        if (lsn > stream.confirmed()) {
            stream.confirm(lsn);
            confirmedLsn = lsn;
        }
    }

    private void pause(Duration d) {
        try {
            closing.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing.countDown();
        }
    }

    @Override
    public String toString() {
        return "CacheInvalidator{" + settings + (active ? ", active" : ", waiting") + "}";
    }

    /**
     * Builds a {@link CacheInvalidator}; setters check their arguments and name the bad value. Needs
     * {@link #primary}, {@link #keys}, {@link #cache} and {@link #purgeList}.
     */
    public static final class Builder {
        private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
        private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}(\\.[a-z_][a-z0-9_]{0,62})?");

        private String url;
        private String user;
        private String password;
        private String slot = "ringroute_invalidator";
        private String publication = "ringroute_invalidation";
        private List<String> tables = List.of();
        private RowKeys mapping;
        private CacheCluster<?> cache;
        private PurgeList purgeList;
        private Duration callTimeout = Duration.ofSeconds(2);
        private Duration retry = Duration.ofMillis(500);
        private int maxBatchKeys = 10_000;
        private String marker;
        private String secret;
        private final List<ReplayGate.Standby> standbys = new ArrayList<>();
        private Duration replayWait = Duration.ofSeconds(5);
        private boolean purgeOnNewSlot = true;
        private TombstoneVersion tombstones = TombstoneVersion.CLOCK;

        private Builder() {
        }

        /**
         * The shard's primary: a {@code jdbc:postgresql:} URL and a role with the REPLICATION attribute (and, to
         * create the publication, ownership of the tables or superuser). The password may be null.
         */
        public Builder primary(String jdbcUrl, String user, String password) {
            if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("primary URL must start with jdbc:postgresql:, was "
                        + (jdbcUrl == null ? "null" : "'" + InvalidatorSettings.redact(jdbcUrl) + "'"));
            }
            if (user == null || user.isBlank()) {
                throw new IllegalArgumentException("user must not be blank");
            }
            this.url = jdbcUrl;
            this.user = user;
            this.password = password;
            return this;
        }

        /**
         * A standby of this primary that readers load cache misses from: each delivery waits (at most
         * {@link #replayWait}) until it has replayed the changes, so a reload after the delete cannot cache the
         * old row again. Add every such standby; the invalidation delay then includes their replay lag.
         */
        public Builder standby(String jdbcUrl, String user, String password) {
            if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("standby URL must start with jdbc:postgresql:, was "
                        + (jdbcUrl == null ? "null" : "'" + InvalidatorSettings.redact(jdbcUrl) + "'"));
            }
            if (user == null || user.isBlank()) {
                throw new IllegalArgumentException("standby user must not be blank");
            }
            standbys.add(new ReplayGate.Standby(jdbcUrl, user, password));
            return this;
        }

        /**
         * Whether creating the slot marks every node for purging (default true): a new slot decodes only what
         * commits after it, so entries cached before may be stale. Turn it off only when nothing cached can predate
         * the slot (new, empty cache nodes, or a new, empty primary).
         */
        public Builder purgeOnNewSlot(boolean purge) {
            this.purgeOnNewSlot = purge;
            return this;
        }

        /**
         * The version of the tombstones deletes leave on the nodes (default {@link TombstoneVersion#CLOCK}, for
         * keys cached with the cluster client's clock versions); {@link TombstoneVersion#HELD} for keys cached
         * with caller versions of another kind.
         */
        public Builder tombstoneVersion(TombstoneVersion version) {
            if (version == null) {
                throw new IllegalArgumentException("tombstoneVersion must be CLOCK or HELD, was null");
            }
            this.tombstones = version;
            return this;
        }

        /** The longest a delivery waits for the standbys to replay it (default 5 s); then it goes ahead. */
        public Builder replayWait(Duration wait) {
            if (wait == null || wait.isNegative()) {
                throw new IllegalArgumentException("replayWait must be >= 0, was " + wait);
            }
            this.replayWait = wait;
            return this;
        }

        /** The logical replication slot (default {@code ringroute_invalidator}); created if missing. */
        public Builder slot(String name) {
            this.slot = name("slot", name);
            return this;
        }

        /**
         * The publication the slot decodes (default {@code ringroute_invalidation}); if missing, it is created for
         * {@link #tables} or, without them, for all tables.
         */
        public Builder publication(String name) {
            this.publication = name("publication", name);
            return this;
        }

        /** The tables a created publication covers ({@code users} or {@code schema.users}); default all. */
        public Builder tables(String... names) {
            List<String> out = new ArrayList<>();
            for (String t : names) {
                if (t == null || !TABLE.matcher(t).matches()) {
                    throw new IllegalArgumentException("table must be a lower-case name, optionally schema-"
                            + "qualified, was " + (t == null ? "null" : "'" + t + "'"));
                }
                out.add(t);
            }
            this.tables = List.copyOf(out);
            return this;
        }

        /** The application's mapping from changed rows to cache keys. */
        public Builder keys(RowKeys rowKeys) {
            if (rowKeys == null) {
                throw new IllegalArgumentException("keys (the RowKeys mapping) must not be null");
            }
            this.mapping = rowKeys;
            return this;
        }

        /** The cache cluster whose ring names the nodes to delete on (each delivery reads it afresh). */
        public Builder cache(CacheCluster<?> cluster) {
            if (cluster == null) {
                throw new IllegalArgumentException("cache must not be null");
            }
            this.cache = cluster;
            return this;
        }

        /** Where nodes that missed deletes are marked, e.g. {@link PurgeList#inPostgres} in the catalog. */
        public Builder purgeList(PurgeList list) {
            if (list == null) {
                throw new IllegalArgumentException("purgeList must not be null");
            }
            this.purgeList = list;
            return this;
        }

        /** The secret the cache nodes were started with ({@code --secret-file}); default none. Never logged. */
        public Builder secret(String nodeSecret) {
            NodeLink.opener(callTimeout, nodeSecret); // says what is wrong with it, without showing it
            this.secret = nodeSecret;
            return this;
        }

        /** How long a node or the primary may take to answer one call (default 2 s). */
        public Builder callTimeout(Duration timeout) {
            if (timeout == null || timeout.toMillis() < 100) {
                throw new IllegalArgumentException("callTimeout must be >= 100ms, was " + timeout);
            }
            this.callTimeout = timeout;
            return this;
        }

        /** The wait before a repeated delivery or a new session on the slot (default 500 ms). */
        public Builder retry(Duration wait) {
            if (wait == null || wait.toMillis() < 10) {
                throw new IllegalArgumentException("retry must be >= 10ms, was " + wait);
            }
            this.retry = wait;
            return this;
        }

        /** Keys collected before a delivery even while more transactions arrive (default 10,000). */
        public Builder maxBatchKeys(int keys) {
            if (keys < 1) {
                throw new IllegalArgumentException("maxBatchKeys must be >= 1, was " + keys);
            }
            this.maxBatchKeys = keys;
            return this;
        }

        /**
         * Skips every transaction that writes a transactional logical decoding message with this prefix
         * ({@code pg_logical_emit_message(true, prefix, '')}) before or among its changes: its writer's word that
         * it changes no value anything caches, as the resharder's copies and clean-ups (their prefix is
         * {@code io.ringroute.shard.reshard.Resharder.INVALIDATION_MARKER}). Default: none, no transaction is
         * skipped. Any role that may write to the tables can write the message (PostgreSQL grants
         * {@code pg_logical_emit_message} to PUBLIC): revoke it from roles that should not be able to hide changes.
         */
        public Builder skipMarked(String prefix) {
            if (prefix == null || prefix.isBlank()) {
                throw new IllegalArgumentException("skipMarked needs a message prefix, was "
                        + (prefix == null ? "null" : "'" + prefix + "'"));
            }
            this.marker = prefix;
            return this;
        }

        /** Starts the invalidator's thread; it becomes {@linkplain #isActive() active} once it holds the slot. */
        public CacheInvalidator start() {
            List<String> missing = new ArrayList<>();
            if (url == null) {
                missing.add("primary");
            }
            if (mapping == null) {
                missing.add("keys");
            }
            if (cache == null) {
                missing.add("cache");
            }
            if (purgeList == null) {
                missing.add("purgeList");
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("a cache invalidator needs " + String.join(", ", missing));
            }
            CacheInvalidator invalidator = new CacheInvalidator(this);
            invalidator.thread.start();
            return invalidator;
        }

        private static String name(String what, String name) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(what + " name must be 1-63 lower-case letters, digits or _,"
                        + " starting with a letter or _, was " + (name == null ? "null" : "'" + name + "'"));
            }
            return name;
        }
    }
}
