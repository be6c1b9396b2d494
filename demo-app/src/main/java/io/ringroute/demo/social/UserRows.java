package io.ringroute.demo.social;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** SQL on the {@code users} table of one shard. Every write bumps the user's version. */
final class UserRows {
    private static final String COLUMNS = "id, name, bio, followers, following, posts, version";

    private UserRows() {
    }

    /** Empty when the id is taken. */
    static Optional<Profile> insert(Connection c, Handle id, String name, String bio) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO users (id, name, bio) VALUES (?, ?, ?)"
                + " ON CONFLICT (id) DO NOTHING RETURNING " + COLUMNS)) {
            ps.setString(1, id.value());
            ps.setString(2, name);
            ps.setString(3, bio);
            return one(ps);
        }
    }

    static Optional<Profile> find(Connection c, Handle id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM users WHERE id = ?")) {
            ps.setString(1, id.value());
            return one(ps);
        }
    }

    /** The profiles of those users that exist, in one statement. */
    static List<Profile> findAll(Connection c, Collection<Handle> ids) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM users WHERE id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", ids.stream().map(Handle::value).toArray()));
            return all(ps);
        }
    }

    /**
     * The profiles of those users that exist with their newest post refs, in one statement: one snapshot, so each
     * list is the one of its profile's version.
     */
    static Map<Handle, Followee> findAllWithRecent(Connection c, Collection<Handle> ids) throws SQLException {
        Map<Handle, Followee> found = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + ", " + UserList.RECENT.items()
                + " FROM users u WHERE u.id = ANY (?)")) {
            ps.setInt(1, UserList.RECENT.limit());
            ps.setArray(2, c.createArrayOf("text", ids.stream().map(Handle::value).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Profile p = profile(rs);
                    found.put(Handle.of(p.id()), new Followee(p, new RefList(p.version(),
                            ListRows.items(rs, 8, UserList.RECENT))));
                }
            }
        }
        return found;
    }

    /** The most-followed users of this shard, for the user picker. */
    static List<Profile> mostFollowed(Connection c, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + COLUMNS + " FROM users ORDER BY followers DESC, id LIMIT ?")) {
            ps.setInt(1, limit);
            return all(ps);
        }
    }

    /** A null name or bio keeps the stored one. */
    static Optional<Profile> edit(Connection c, Handle id, String name, String bio) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE users SET name = COALESCE(?, name),"
                + " bio = COALESCE(?, bio), version = version + 1 WHERE id = ? RETURNING " + COLUMNS)) {
            ps.setString(1, name);
            ps.setString(2, bio);
            ps.setString(3, id.value());
            return one(ps);
        }
    }

    /** Changes the user's following count and version: the user acted. */
    static Optional<Profile> addFollowing(Connection c, Handle id, int delta) throws SQLException {
        return bump(c, "following = following + ?, version = version + 1", id, delta);
    }

    /** Changes the followers count only: someone else acted, the user's own view did not change. */
    static Optional<Profile> addFollowers(Connection c, Handle id, int delta) throws SQLException {
        return bump(c, "followers = followers + ?", id, delta);
    }

    static Optional<Profile> addPost(Connection c, Handle id) throws SQLException {
        return bump(c, "posts = posts + ?, version = version + 1", id, 1);
    }

    private static Optional<Profile> bump(Connection c, String set, Handle id, int delta) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE users SET " + set + " WHERE id = ? RETURNING " + COLUMNS)) {
            ps.setInt(1, delta);
            ps.setString(2, id.value());
            return one(ps);
        }
    }

    private static Optional<Profile> one(PreparedStatement ps) throws SQLException {
        List<Profile> rows = all(ps);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    private static List<Profile> all(PreparedStatement ps) throws SQLException {
        List<Profile> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(profile(rs));
            }
        }
        return rows;
    }

    /** The profile in the first columns of a row ({@link #COLUMNS}). */
    private static Profile profile(ResultSet rs) throws SQLException {
        return new Profile(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                rs.getLong(6), rs.getLong(7));
    }
}
