package io.ringroute.ring;

/**
 * An arc of the ring and the node that owns it as primary.
 *
 * @param range the arc, {@code (previous token, token]}
 * @param owner the node whose token ends the arc
 */
public record OwnedRange(TokenRange range, Node owner) {
}
