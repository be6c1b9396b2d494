package io.ringroute.demo.social;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** SQL on {@code posts} and {@code likes}, both on the author's shard. */
final class PostRows {
    private static final String COLUMNS = "author, id, text, created_at, likes";

    private PostRows() {
    }

    static Post insert(Connection c, Handle author, long id, String text, long createdAtMillis)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO posts (author, id, text, created_at)"
                + " VALUES (?, ?, ?, ?) RETURNING " + COLUMNS)) {
            ps.setString(1, author.value());
            ps.setLong(2, id);
            ps.setString(3, text);
            ps.setLong(4, createdAtMillis);
            return all(ps).get(0);
        }
    }

    /** Ids of the author's newest posts, newest first. */
    static List<Long> recentIds(Connection c, Handle author, int limit) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM posts WHERE author = ? ORDER BY id DESC LIMIT ?")) {
            ps.setString(1, author.value());
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        return ids;
    }

    /** The posts of these refs that exist, in one statement (their authors must all live on this shard). */
    static List<Post> findAll(Connection c, Collection<PostRef> refs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM posts"
                + " WHERE (author, id) IN (SELECT * FROM unnest(?::text[], ?::bigint[]))")) {
            ps.setArray(1, c.createArrayOf("text", refs.stream().map(r -> r.author().value()).toArray()));
            ps.setArray(2, c.createArrayOf("bigint", refs.stream().map(PostRef::id).toArray()));
            return all(ps);
        }
    }

    /**
     * Records the like and returns the post with its new count; a second like by the same user changes nothing.
     * Empty when the post does not exist.
     */
    static Optional<Post> like(Connection c, PostRef post, Handle liker) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO likes (author, post_id, liker)"
                + " SELECT author, id, ? FROM posts WHERE author = ? AND id = ? ON CONFLICT DO NOTHING")) {
            ps.setString(1, liker.value());
            ps.setString(2, post.author().value());
            ps.setLong(3, post.id());
            if (ps.executeUpdate() == 0) {
                List<Post> existing = findAll(c, List.of(post));
                return existing.isEmpty() ? Optional.empty() : Optional.of(existing.get(0));
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE posts SET likes = likes + 1"
                + " WHERE author = ? AND id = ? RETURNING " + COLUMNS)) {
            ps.setString(1, post.author().value());
            ps.setLong(2, post.id());
            return Optional.of(all(ps).get(0));
        }
    }

    private static List<Post> all(PreparedStatement ps) throws SQLException {
        List<Post> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(new Post(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getLong(5)));
            }
        }
        return rows;
    }
}
