package io.ringroute.cache.invalidation;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A decoder for PostgreSQL's built-in logical replication output plugin, {@code pgoutput}, protocol version 1
 * (PostgreSQL docs, "Logical Replication Message Formats"). Relation messages name a table's columns before its
 * first row in a session; rows then refer to the relation by oid. Messages this decoder does not need (origin, type)
 * are skipped; an unknown one fails loudly, since skipping it could skip changes. Logical decoding messages
 * ({@code messages 'true'}) are reported by prefix.
 */
final class PgOutput {

    /** Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    private record Relation(String table, String[] columns) {
    }

    private final Map<Integer, Relation> relations = new HashMap<>();

    void decode(ByteBuffer msg, ChangeHandler handler) {
        byte type = msg.get();
        switch (type) {
            case 'B' -> {
                msg.getLong(); // final LSN
                handler.begin(msg.getLong() + PG_EPOCH_MICROS);
            }
            case 'C' -> {
                msg.get(); // flags
                msg.getLong(); // commit LSN
                handler.commit(msg.getLong());
            }
            case 'R' -> relation(msg);
            case 'I', 'U', 'D' -> {
                if (handler.wantsRows()) {   // a resharding copy's millions of rows cost no maps
                    rowChange(type, msg, handler);
                }
            }
            case 'T' -> {
                int count = msg.getInt();
                msg.get(); // options (CASCADE, RESTART IDENTITY)
                List<String> tables = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    tables.add(relation(msg.getInt()).table());
                }
                handler.truncate(tables);
            }
            case 'M' -> {
                boolean transactional = (msg.get() & 1) != 0;
                msg.getLong(); // the message's LSN
                String prefix = string(msg);
                msg.position(msg.position() + 4 + msg.getInt(msg.position())); // content: length, bytes
                handler.message(transactional, prefix);
            }
            case 'O', 'Y' -> {
                // origin of a replicated transaction, a type's name: not needed to find keys
            }
            default -> throw new IllegalStateException("unknown pgoutput message type '" + (char) type + "' ("
                    + type + ")");
        }
    }

    private void rowChange(byte type, ByteBuffer msg, ChangeHandler handler) {
        Relation r = relation(msg.getInt());
        switch (type) {
            case 'I' -> {
                expect(msg, 'N');
                handler.row(r.table(), tuple(msg, r));
            }
            case 'U' -> {
                byte part = msg.get();
                if (part == 'K' || part == 'O') {
                    handler.row(r.table(), tuple(msg, r));
                    part = msg.get();
                }
                if (part != 'N') {
                    throw new IllegalStateException("pgoutput update of " + r.table() + " without a new tuple");
                }
                handler.row(r.table(), tuple(msg, r));
            }
            default -> {
                byte part = msg.get();
                if (part != 'K' && part != 'O') {
                    throw new IllegalStateException("pgoutput delete of " + r.table() + " without an old tuple");
                }
                handler.row(r.table(), tuple(msg, r));
            }
        }
    }

    private void relation(ByteBuffer msg) {
        int oid = msg.getInt();
        String schema = string(msg);
        String name = string(msg);
        msg.get(); // replica identity setting
        int n = Short.toUnsignedInt(msg.getShort());
        String[] columns = new String[n];
        for (int i = 0; i < n; i++) {
            msg.get(); // flags: part of the key
            columns[i] = string(msg);
            msg.getInt(); // type oid
            msg.getInt(); // type modifier
        }
        relations.put(oid, new Relation(schema + "." + name, columns));
    }

    private Relation relation(int oid) {
        Relation r = relations.get(oid);
        if (r == null) {
            throw new IllegalStateException("pgoutput row of relation " + oid + " before its relation message");
        }
        return r;
    }

    private static Map<String, String> tuple(ByteBuffer msg, Relation r) {
        int n = Short.toUnsignedInt(msg.getShort());
        Map<String, String> row = new LinkedHashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            byte kind = msg.get();
            String column = i < r.columns().length ? r.columns()[i] : "column" + i;
            switch (kind) {
                case 'n' -> row.put(column, null);
                case 'u' -> {
                    // unchanged TOASTed value: not sent
                }
                case 't' -> {
                    byte[] text = new byte[msg.getInt()];
                    msg.get(text);
                    row.put(column, new String(text, StandardCharsets.UTF_8));
                }
                default -> throw new IllegalStateException("unknown pgoutput column kind '" + (char) kind + "' in "
                        + r.table());
            }
        }
        return Collections.unmodifiableMap(row);
    }

    private static void expect(ByteBuffer msg, char part) {
        byte b = msg.get();
        if (b != part) {
            throw new IllegalStateException("pgoutput: expected tuple part '" + part + "', got '" + (char) b + "'");
        }
    }

    private static String string(ByteBuffer msg) {
        int start = msg.position();
        int end = start;
        while (msg.get(end) != 0) {
            end++;
        }
        String s = new String(msg.array(), msg.arrayOffset() + start, end - start, StandardCharsets.UTF_8);
        msg.position(end + 1);
        return s;
    }
}
