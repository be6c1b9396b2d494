package io.ringroute.demo.social;

import java.util.List;

/**
 * A cached list (a user's following, recent post refs or fanned-out timeline) with the user version it was built
 * from.
 */
record RefList(long version, List<String> items) {
    RefList {
        items = List.copyOf(items);
    }
}
