package io.ringroute.demo.social;

/** A post, stored on its author's shard. Ids grow with time, so sorting by id sorts by time. */
public record Post(String author, long id, String text, long createdAtMillis, long likes) {
    public String ref() {
        return PostRef.format(author, id);
    }
}
