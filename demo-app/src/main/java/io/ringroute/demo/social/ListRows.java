package io.ringroute.demo.social;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads of the per-user lists ({@link UserList}) with the user's version, for one user or all of a shard's. */
final class ListRows {
    private ListRows() {
    }

    /** The user's list; an unknown user is rejected. */
    static RefList find(Connection c, UserList list, Handle user) throws SQLException {
        RefList found = findAll(c, list, List.of(user)).get(user);
        if (found == null) {
            throw Rejected.unknownUser(user.value());
        }
        return found;
    }

    /** The lists of those users that exist, in one statement. */
    static Map<Handle, RefList> findAll(Connection c, UserList list, Collection<Handle> users) throws SQLException {
        Map<Handle, RefList> found = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(list.sql())) {
            ps.setInt(1, list.limit());
            ps.setArray(2, c.createArrayOf("text", users.stream().map(Handle::value).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.put(Handle.of(rs.getString(1)), new RefList(rs.getLong(2), items(rs, 3, list)));
                }
            }
        }
        return found;
    }

    /** The list in column {@code column} of a row whose first column is the user's id. */
    static List<String> items(ResultSet rs, int column, UserList list) throws SQLException {
        List<String> items = Arrays.asList((String[]) rs.getArray(column).getArray());
        if (list != UserList.RECENT) {
            return items;
        }
        String user = rs.getString(1);
        return items.stream().map(i -> PostRef.format(user, Long.parseLong(i))).toList();
    }
}
