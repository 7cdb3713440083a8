package io.wharf.config;

import static io.wharf.config.ConfigKey.define;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The topic configs Wharf knows: the one place their defaults and bounds are kept, read by the
 * controller's validation ({@code TopicConfigs} in {@code metadata}), by each partition's log
 * ({@code LogConfig} in {@code replication}) and by the brokers. Every topic config changes live:
 * brokers apply an alter to the partitions they host. Stateless.
 *
 * <p>A topic key whose default each broker may set for itself names that broker key; by the naming
 * rule (Kafka's) the broker key is the topic key with {@code log.} in front, and the broker key's
 * default is the topic key's.
 */
public final class TopicConfigKeys {

    public static final ConfigKey RETENTION_MS = define("retention.ms", ConfigType.LONG)
            .defaultValue(7L * 24 * 60 * 60 * 1000).between(-1, Long.MAX_VALUE).brokerDefault("log.retention.ms")
            .doc("Retention by time: a closed segment whose newest record timestamp is older than this many"
                    + " milliseconds is deleted; -1 keeps forever. Kafka's default (7 days).")
            .dynamic().build();
    public static final ConfigKey RETENTION_BYTES = define("retention.bytes", ConfigType.LONG)
            .defaultValue(-1).between(-1, Long.MAX_VALUE).brokerDefault("log.retention.bytes")
            .doc("Retention by size: the oldest closed segments are deleted while the partition stays at least"
                    + " this many bytes without them; -1 means no size limit.")
            .dynamic().build();
    public static final ConfigKey SEGMENT_BYTES = define("segment.bytes", ConfigType.INT)
            // the logs take no smaller segment: a smaller one would be accepted and then refused by every replica
            .defaultValue(1024 * 1024 * 1024).between(128, Integer.MAX_VALUE)
            .doc("A partition's log rolls to a new segment when the active one would grow past this many bytes"
                    + " (1 GiB).")
            .dynamic().build();
    public static final ConfigKey SEGMENT_MS = define("segment.ms", ConfigType.LONG)
            .defaultValue(7L * 24 * 60 * 60 * 1000).atLeast(1)
            .doc("A partition's log rolls to a new segment when the active one's first batch is older than this"
                    + " many milliseconds (7 days).")
            .dynamic().build();
    public static final ConfigKey MAX_MESSAGE_BYTES = define("max.message.bytes", ConfigType.INT)
            .defaultValue(1024 * 1024 + 12).between(0, Integer.MAX_VALUE)
            .doc("The largest record batch a partition's log accepts, in bytes.")
            .dynamic().build();
    public static final ConfigKey MIN_INSYNC_REPLICAS = define("min.insync.replicas", ConfigType.INT)
            .defaultValue(1)
            .check(ConfigCheck.of("1 to the topic's replication factor", value -> (Integer) value < 1
                    ? Optional.of("is out of range") : Optional.empty()))
            .doc("The fewest in-sync replicas with which a write with acks=all is accepted.")
            .dynamic().build();
    public static final ConfigKey CLEANUP_POLICY = define("cleanup.policy", ConfigType.LIST)
            .defaultValue("delete").check(ConfigCheck.distinctItemsOf("delete", "compact"))
            .doc("`delete`: retention removes old segments; `compact`: the broker's log cleaner keeps only the"
                    + " latest record of each key (a producer record without a key is refused with"
                    + " `INVALID_RECORD`), and retention deletes nothing; `compact,delete` (either order): both.")
            .dynamic().build();
    public static final ConfigKey MIN_CLEANABLE_DIRTY_RATIO = define("min.cleanable.dirty.ratio", ConfigType.DOUBLE)
            .defaultValue(0.5).check(ConfigCheck.between(0.0, 1.0))
            .doc("The cleaner takes a compacted partition once this share of its cleanable bytes has not been"
                    + " compacted yet.")
            .dynamic().build();
    public static final ConfigKey MIN_COMPACTION_LAG_MS = define("min.compaction.lag.ms", ConfigType.LONG)
            .defaultValue(0).atLeast(0)
            .doc("A record stays uncompacted at least this long after its timestamp; at most"
                    + " `max.compaction.lag.ms`.")
            .dynamic().build();
    public static final ConfigKey MAX_COMPACTION_LAG_MS = define("max.compaction.lag.ms", ConfigType.LONG)
            .defaultValue(Long.MAX_VALUE).atLeast(1)
            .doc("A partition holding an uncompacted record older than this is cleaned whatever its dirty ratio.")
            .dynamic().build();
    public static final ConfigKey DELETE_RETENTION_MS = define("delete.retention.ms", ConfigType.LONG)
            .defaultValue(24L * 60 * 60 * 1000).atLeast(0)
            .doc("How long a tombstone (a record with a null value) stays after its timestamp once compacted, so"
                    + " that slow readers still see the delete (1 day).")
            .dynamic().build();

    /** Every topic config. */
    public static final ConfigKeySet SET = ConfigKeySet.forTopic(List.of(RETENTION_MS, RETENTION_BYTES,
            SEGMENT_BYTES, SEGMENT_MS, MAX_MESSAGE_BYTES, MIN_INSYNC_REPLICAS, CLEANUP_POLICY,
            MIN_CLEANABLE_DIRTY_RATIO, MIN_COMPACTION_LAG_MS, MAX_COMPACTION_LAG_MS, DELETE_RETENTION_MS));

    /** Every topic config at its default. */
    public static final ParsedConfig DEFAULTS = SET.parse(Map.of());

    private TopicConfigKeys() {
    }
}
