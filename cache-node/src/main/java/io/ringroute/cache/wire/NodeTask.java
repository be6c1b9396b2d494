package io.ringroute.cache.wire;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.concurrent.Callable;

/**
 * A task a client sends to run on a cache node's member, on the node's cache map, over one payload of a
 * {@link WireFormat} type. The payload is all that travels; Hazelcast hands the task its member on arrival.
 *
 * @param <T> the result
 * @param <P> the payload
 */
abstract class NodeTask<T, P extends WireFormat.Type> implements Callable<T>, HazelcastInstanceAware, WireFormat.Type {

    final P payload;
    private HazelcastInstance member;

    NodeTask(P payload) {
        this.payload = payload;
    }

    @Override
    public final void setHazelcastInstance(HazelcastInstance instance) {
        this.member = instance;
    }

    /** The node's cache map; only on the member. */
    final IMap<Object, byte[]> map() {
        return member.getMap(WireFormat.MAP_NAME);
    }

    @Override
    public final void writeData(ObjectDataOutput out) throws IOException {
        payload.writeData(out);
    }

    @Override
    public final void readData(ObjectDataInput in) throws IOException {
        payload.readData(in);
    }
}
