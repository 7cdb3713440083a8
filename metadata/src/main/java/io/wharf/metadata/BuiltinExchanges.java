package io.wharf.metadata;

import io.wharf.proto.common.ExchangeType;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The exchanges every Wharf cluster has without a record, as every RabbitMQ vhost has them: the
 * default exchange "" (which routes to the queue named by the routing key) and the amq.* ones.
 * Stateless.
 */
public final class BuiltinExchanges {

    /** The default exchange: every queue is implicitly bound to it with its own name as key. */
    public static final String DEFAULT = "";

    private static final SortedMap<String, ExchangeImage> ALL;

    static {
        SortedMap<String, ExchangeImage> all = new TreeMap<>();
        for (Map.Entry<String, ExchangeType> e : Map.of(DEFAULT, ExchangeType.DIRECT,
                "amq.direct", ExchangeType.DIRECT,
                "amq.fanout", ExchangeType.FANOUT,
                "amq.topic", ExchangeType.TOPIC,
                "amq.headers", ExchangeType.HEADERS,
                "amq.match", ExchangeType.HEADERS).entrySet()) {
            all.put(e.getKey(), new ExchangeImage(e.getKey(), e.getValue(), false, Map.of(), true));
        }
        ALL = Collections.unmodifiableSortedMap(all);
    }

    private BuiltinExchanges() {
    }

    /** Every built-in exchange by name, sorted by name. */
    public static SortedMap<String, ExchangeImage> all() {
        return ALL;
    }

    /** True when {@code name} is a built-in exchange. */
    public static boolean isBuiltin(String name) {
        return ALL.containsKey(name);
    }
}
