package io.ringroute.cache.invalidation;

import java.time.Instant;

/**
 * A cache node that missed invalidations and must be emptied before any client reads it again.
 *
 * @param node the cache node's id
 * @param generation grows with every mark of any node; a purge removes the mark only if it is still this one
 * @param markedAt when the mark was last set
 * @param reason why, for people (e.g. the delivery error)
 */
public record PurgeMark(String node, long generation, Instant markedAt, String reason) {
}
