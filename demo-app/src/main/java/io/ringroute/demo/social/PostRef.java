package io.ringroute.demo.social;

import java.util.Comparator;

/** "author/id": names a post and, through the author, the shard it lives on. */
public record PostRef(Handle author, long id) {
    /** Newest first. */
    public static final Comparator<PostRef> NEWEST_FIRST = Comparator.comparingLong(PostRef::id).reversed()
            .thenComparing(r -> r.author().value());

    public static String format(String author, long id) {
        return author + "/" + id;
    }

    public static PostRef parse(String ref) {
        int slash = ref.indexOf('/');
        if (slash < 0) {
            throw Rejected.badInput("post reference '" + Handle.printable(ref) + "' is not author/id");
        }
        try {
            return new PostRef(Handle.of(ref.substring(0, slash)), Long.parseLong(ref.substring(slash + 1)));
        } catch (NumberFormatException e) {
            throw Rejected.badInput("post id in '" + Handle.printable(ref) + "' is not a number");
        }
    }

    @Override
    public String toString() {
        return format(author.value(), id);
    }
}
