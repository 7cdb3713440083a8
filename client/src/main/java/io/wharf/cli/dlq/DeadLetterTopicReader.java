package io.wharf.cli.dlq;

import io.wharf.client.TopicPartition;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a dead-letter topic from its log start with an assigned consumer (no group: reading
 * commits nothing and moves no one's offsets). Single-threaded; the caller owns the consumer.
 */
public final class DeadLetterTopicReader {

    private static final Duration POLL = Duration.ofMillis(100);

    private DeadLetterTopicReader() {
    }

    /**
     * What a read found.
     *
     * @param depth records between log start and end, over every partition
     * @param partitions the topic's partition count
     * @param records the first records, by partition then offset
     */
    public record Snapshot(long depth, int partitions, List<ConsumerRecord> records) {
    }

    /**
     * Reads up to {@code max} records from the start of {@code topic}, partition after partition
     * (so the first N are the same on every read): each up to its log end as it was when the read
     * began, or until {@code idle} passed without a record.
     */
    public static Snapshot read(Consumer consumer, String topic, int max, Duration idle) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic);
        consumer.assign(partitions);
        Map<TopicPartition, Long> starts = consumer.beginningOffsets(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        long depth = partitions.stream().mapToLong(tp -> Math.max(0, ends.get(tp) - starts.get(tp))).sum();
        List<ConsumerRecord> records = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            if (records.size() >= max) {
                break;
            }
            consumer.assign(List.of(tp));
            consumer.seek(tp, starts.get(tp));
            long end = ends.get(tp);
            long idleSince = System.nanoTime();
            while (records.size() < max && consumer.position(tp) < end && System.nanoTime() - idleSince < idle.toNanos()) {
                List<ConsumerRecord> polled = consumer.poll(POLL);
                if (!polled.isEmpty()) {
                    idleSince = System.nanoTime();
                }
                // a record written after the read began is not part of the snapshot the depth describes
                polled.stream().filter(r -> r.offset() < end).limit(max - records.size()).forEach(records::add);
            }
        }
        return new Snapshot(depth, partitions.size(), List.copyOf(records));
    }
}
