package io.ringroute.demo.social;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A follow is stored twice, once on each side's shard: {@code following} on the follower's shard (to build their
 * timeline) and {@code followers} on the followee's shard (to fan their posts out).
 */
final class FollowRows {
    private FollowRows() {
    }

    /** False when the row was already there (following twice is a no-op). */
    static boolean addFollowing(Connection c, Handle user, Handle followee) throws SQLException {
        return change(c, "INSERT INTO following (user_id, followee) VALUES (?, ?) ON CONFLICT DO NOTHING",
                user, followee);
    }

    static boolean removeFollowing(Connection c, Handle user, Handle followee) throws SQLException {
        return change(c, "DELETE FROM following WHERE user_id = ? AND followee = ?", user, followee);
    }

    static boolean addFollower(Connection c, Handle user, Handle follower) throws SQLException {
        return change(c, "INSERT INTO followers (user_id, follower) VALUES (?, ?) ON CONFLICT DO NOTHING",
                user, follower);
    }

    static boolean removeFollower(Connection c, Handle user, Handle follower) throws SQLException {
        return change(c, "DELETE FROM followers WHERE user_id = ? AND follower = ?", user, follower);
    }

    static List<String> following(Connection c, Handle user) throws SQLException {
        return list(c, "SELECT followee FROM following WHERE user_id = ? ORDER BY followee", user);
    }

    static List<String> followers(Connection c, Handle user) throws SQLException {
        return list(c, "SELECT follower FROM followers WHERE user_id = ? ORDER BY follower", user);
    }

    private static boolean change(Connection c, String sql, Handle owner, Handle other) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, owner.value());
            ps.setString(2, other.value());
            return ps.executeUpdate() == 1;
        }
    }

    private static List<String> list(Connection c, String sql, Handle user) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, user.value());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        return ids;
    }
}
