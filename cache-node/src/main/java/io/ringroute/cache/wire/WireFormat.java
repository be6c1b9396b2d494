package io.ringroute.cache.wire;

import com.hazelcast.config.ClassFilter;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.SerializationConfig;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * What may cross the wire between a cache node and its clients. Our own types (range transfers and the token
 * range predicate) are {@link IdentifiedDataSerializable}: the reader picks the class from this factory by number
 * and reads only fields, so no class named by the sender is loaded. Java serialization, which would load and run
 * whatever class a sender names, is refused on both ends: keys are String or byte[] and values byte[], which
 * Hazelcast writes with its own serializers, so nothing we send needs it.
 *
 * <p>Factory id {@value #FACTORY_ID} is ours; other factories of this module take other ids.
 */
public final class WireFormat implements DataSerializableFactory {

    /** The node's one cache map, which clients read and write and range tasks copy. */
    public static final String MAP_NAME = "ringroute-cache";
    /** The node's executor for range transfers ({@link RangeExport}, {@link RangeImport}). */
    public static final String WARMING_EXECUTOR = "ringroute-warming";

    public static final int FACTORY_ID = 1;
    public static final int TOKEN_RANGE_PREDICATE = 1;
    static final int RANGE_ENTRIES = 2;
    static final int RANGE_EXPORT = 3;
    public static final int RANGE_IMPORT = 4;

    /**
     * Registers our types and turns on Hazelcast's Java deserialization filter with Hazelcast's default list off.
     * Hazelcast treats an empty allow-list as "no filter", so the list holds a few immutable JDK value classes:
     * nothing can be built from them, and any Java-serialized object of another class is refused before its class
     * is loaded.
     */
    public static void configure(SerializationConfig serialization) {
        serialization.addDataSerializableFactory(FACTORY_ID, new WireFormat());
        serialization.setJavaSerializationFilterConfig(new JavaSerializationFilterConfig()
                .setDefaultsDisabled(true)
                .setWhitelist(new ClassFilter().addClasses("java.lang.String", "java.lang.Long",
                        "java.lang.Integer", "java.lang.Boolean")));
    }

    /** One of our wire types: it names this factory; {@link #getClassId()} is one of the ids above. */
    interface Type extends IdentifiedDataSerializable {
        @Override
        default int getFactoryId() {
            return FACTORY_ID;
        }
    }

    @Override
    public IdentifiedDataSerializable create(int typeId) {
        return switch (typeId) {
            case TOKEN_RANGE_PREDICATE -> new TokenRangePredicate();
            case RANGE_ENTRIES -> new RangeEntries();
            case RANGE_EXPORT -> new RangeExport();
            case RANGE_IMPORT -> new RangeImport();
            default -> null; // Hazelcast reports the unknown type id to the sender
        };
    }
}
