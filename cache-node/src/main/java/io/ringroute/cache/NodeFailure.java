package io.ringroute.cache;

/**
 * A call to a node failed because of the node or the network (a timeout, a lost connection, a node that is not
 * connected), as opposed to a bad argument. Counted against the node's health; never reaches a cache caller.
 */
final class NodeFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    NodeFailure(String nodeId, Throwable cause) {
        super("call to cache node '" + nodeId + "' failed: " + cause, cause);
    }
}
