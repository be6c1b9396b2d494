package io.ringroute.ring;

/**
 * A token range whose primary owner changes between two rings.
 *
 * @param range the keys whose tokens fall here move
 * @param from  the owner in the ring before
 * @param to    the owner in the ring after
 */
public record RangeMove(TokenRange range, Node from, Node to) {
}
