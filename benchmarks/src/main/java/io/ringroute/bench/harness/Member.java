package io.ringroute.bench.harness;

/**
 * One node of a scenario.
 *
 * @param id     the node's name on every scheme ("node-7")
 * @param index  the order it joined in, from 0: list-based schemes (modulo, jump) use the position in the member
 *               list, ketama derives the node's address from it
 * @param weight its relative capacity (1 unless a scenario changes it)
 */
public record Member(String id, int index, double weight) {

    static Member numbered(int index) {
        return new Member("node-" + index, index, 1.0);
    }
}
