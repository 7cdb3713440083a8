package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerConfig;
import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.producer.RecordMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a test producer had acknowledged, by send sequence number, and the check every failure
 * test ends with: a consumer reading each partition from the beginning finds every acknowledged
 * record at the offset its acknowledgement reported, acknowledged records in send order within
 * their partition, and no record stored twice (the tests' producers are idempotent: acks=all).
 *
 * <p>Values are {@code <topic>-<sequence>}. Thread-safe to record into (producer callbacks);
 * {@link #assertReadBack} runs on the test thread after the producer is closed.
 */
final class AcknowledgedRecords {

    private static final Logger LOG = LoggerFactory.getLogger(AcknowledgedRecords.class);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    /** What the read-back found. */
    record ReadBack(Map<Integer, Long> highWatermarks, long recordsRead) {
    }

    private final String topic;
    private final Map<Long, RecordMetadata> acknowledged = new ConcurrentHashMap<>();
    /** System.nanoTime() at the send of each acknowledged record whose sender said when. */
    private final Map<Long, Long> sentNanos = new ConcurrentHashMap<>();
    private final AtomicInteger failed = new AtomicInteger();

    AcknowledgedRecords(String topic) {
        this.topic = topic;
    }

    String topic() {
        return topic;
    }

    /** The value of the record with send sequence {@code sequence}. */
    byte[] value(long sequence) {
        return (topic + "-" + sequence).getBytes(StandardCharsets.UTF_8);
    }

    /** A send callback's outcome for the record with {@code sequence}. */
    void completed(long sequence, RecordMetadata metadata, Throwable failure) {
        if (failure == null) {
            acknowledged.put(sequence, metadata);
        } else {
            failed.incrementAndGet();
        }
    }

    /** As {@link #completed(long, RecordMetadata, Throwable)}, for a record sent at {@code sentAtNanos} (System.nanoTime()). */
    void completed(long sequence, long sentAtNanos, RecordMetadata metadata, Throwable failure) {
        if (failure == null) {
            sentNanos.put(sequence, sentAtNanos);
        }
        completed(sequence, metadata, failure);
    }

    /** The acknowledged records whose send time is known, with times in ms since {@code startNanos}. */
    List<FencedLeaderAcks.Ack> acks(long startNanos) {
        List<FencedLeaderAcks.Ack> acks = new ArrayList<>();
        sentNanos.forEach((sequence, sent) -> {
            RecordMetadata metadata = acknowledged.get(sequence);
            acks.add(new FencedLeaderAcks.Ack(metadata.partition(), metadata.offset(),
                    new String(value(sequence), StandardCharsets.UTF_8), (sent - startNanos) / 1_000_000));
        });
        return acks;
    }

    int acknowledgedCount() {
        return acknowledged.size();
    }

    int failedCount() {
        return failed.get();
    }

    /**
     * Reads every partition up to its high watermark (waiting until it covers every acknowledged
     * offset: a high watermark below one would mean an acknowledged write was lost) and checks the
     * acknowledged records as the class comment says.
     */
    ReadBack assertReadBack(List<Endpoint> brokers) {
        Map<Integer, Long> needed = new TreeMap<>();
        acknowledged.values().forEach(m -> needed.merge(m.partition(), m.offset() + 1, Math::max));
        Map<Integer, Map<Long, String>> log = new HashMap<>();
        Map<Integer, Long> highWatermarks = new TreeMap<>();
        ConsumerConfig config = ConsumerConfig.builder(brokers).maxPollRecords(10_000).build();
        try (Consumer consumer = new Consumer(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic);
            await("the high watermarks cover every acknowledged offset " + needed).atMost(READ_TIMEOUT)
                    .until(() -> {
                        consumer.endOffsets(partitions).forEach((tp, hw) -> highWatermarks.put(tp.partition(), hw));
                        return needed.entrySet().stream()
                                .allMatch(e -> highWatermarks.getOrDefault(e.getKey(), -1L) >= e.getValue());
                    });
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await("reading " + topic + " up to " + highWatermarks).atMost(READ_TIMEOUT)
                    .pollInterval(Duration.ofMillis(5)).until(() -> {
                for (ConsumerRecord record : consumer.poll(Duration.ofMillis(500))) {
                    log.computeIfAbsent(record.partition(), k -> new HashMap<>())
                            .put(record.offset(), new String(record.value(), StandardCharsets.UTF_8));
                }
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= highWatermarks.get(tp.partition()));
            });
        }
        List<String> anomalies = anomalies(log);
        if (!anomalies.isEmpty()) {
            fail(anomalies.size() + " anomalies in " + topic + ", e.g.\n  "
                    + String.join("\n  ", anomalies.subList(0, Math.min(20, anomalies.size()))));
        }
        long read = log.values().stream().mapToLong(Map::size).sum();
        LOG.info("{}: {} acknowledged ({} sends failed); every one read back at its offset, in send order; "
                + "{} records below the high watermarks {}, none stored twice", topic, acknowledged.size(),
                failed.get(), read, highWatermarks);
        return new ReadBack(Map.copyOf(highWatermarks), read);
    }

    /**
     * What is wrong with {@code log} (partition, then offset, to stored value) given what was
     * acknowledged, one line per anomaly, named as in the Jepsen analyses: an acknowledged record
     * <b>lost</b> (stored nowhere), read at <b>another offset</b> than acknowledged, stored twice
     * (<b>duplicated</b>), or acknowledged records <b>out of send order</b> in their partition.
     * Empty when the log holds every acknowledged record exactly where its acknowledgement said.
     */
    List<String> anomalies(Map<Integer, Map<Long, String>> log) {
        Map<String, List<String>> places = new HashMap<>();
        log.forEach((partition, records) -> records.forEach((offset, value) ->
                places.computeIfAbsent(value, k -> new ArrayList<>()).add(partition + "@" + offset)));
        List<String> anomalies = new ArrayList<>();
        new TreeMap<>(acknowledged).forEach((sequence, metadata) -> {
            String value = new String(value(sequence), StandardCharsets.UTF_8);
            String at = metadata.partition() + "@" + metadata.offset();
            List<String> found = places.getOrDefault(value, List.of());
            if (found.isEmpty()) {
                anomalies.add("lost: " + value + " acknowledged at " + at + " is stored nowhere");
            } else if (!value.equals(log.getOrDefault(metadata.partition(), Map.of()).get(metadata.offset()))) {
                anomalies.add("another offset: " + value + " acknowledged at " + at + " is stored at " + found);
            }
        });
        places.entrySet().stream().filter(e -> e.getValue().size() > 1).sorted(Map.Entry.comparingByKey())
                .forEach(e -> anomalies.add("duplicated: " + e.getKey() + " is stored at " + e.getValue()));
        anomalies.addAll(outOfSendOrder());
        return anomalies;
    }

    /** Within a partition, acknowledged records must sit in the order they were sent. */
    private List<String> outOfSendOrder() {
        Map<Integer, TreeMap<Long, Long>> byOffset = new TreeMap<>();
        acknowledged.forEach((sequence, m) ->
                byOffset.computeIfAbsent(m.partition(), k -> new TreeMap<>()).put(m.offset(), sequence));
        List<String> anomalies = new ArrayList<>();
        byOffset.forEach((partition, sequences) -> {
            long previous = -1;
            for (Map.Entry<Long, Long> entry : sequences.entrySet()) {
                if (entry.getValue() < previous) {
                    anomalies.add("out of send order: " + topic + "-" + partition + " holds acknowledged record "
                            + entry.getValue() + " at offset " + entry.getKey() + " after record " + previous);
                }
                previous = entry.getValue();
            }
        });
        return anomalies;
    }
}
