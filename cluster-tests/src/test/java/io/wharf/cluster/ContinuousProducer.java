package io.wharf.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.Endpoint;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.record.Header;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * An acks=all producer that never stops during a failure test: {@link #RECORDS_PER_TICK} records
 * every {@link #TICK} (about 500 records/s, keyed over {@link #KEYS} keys so that every partition
 * gets a share, each with a header), on a thread this class owns. Every outcome goes to
 * {@link AcknowledgedRecords}; per partition it remembers when the newest acknowledged record was
 * sent, so a test can wait until writes flow again after a fault. {@link #close()} stops the sends,
 * then flushes and closes the producer.
 */
final class ContinuousProducer implements AutoCloseable {

    private static final int RECORDS_PER_TICK = 5;
    private static final Duration TICK = Duration.ofMillis(10);
    private static final int KEYS = 32;
    private static final long NONE = Long.MIN_VALUE;

    private final AcknowledgedRecords records;
    private final int partitions;
    private final Producer producer;
    /** Per partition, System.nanoTime() at the send of its newest acknowledged record; NONE before the first. */
    private final AtomicLongArray newestAckedSendNanos;
    private final ScheduledExecutorService sender;
    private long nextSequence;  // sender thread only

    /** Starts sending to {@code records.topic()}, which has {@code partitions} partitions, through {@code brokers}. */
    ContinuousProducer(AcknowledgedRecords records, int partitions, List<Endpoint> brokers) {
        this.records = records;
        this.partitions = partitions;
        this.newestAckedSendNanos = new AtomicLongArray(partitions);
        for (int p = 0; p < partitions; p++) {
            newestAckedSendNanos.set(p, NONE);
        }
        this.producer = new Producer(ProducerConfig.builder(brokers)
                .acks(-1).linger(Duration.ofMillis(5)).deliveryTimeout(Duration.ofSeconds(90)).build());
        this.sender = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, records.topic() + "-producer");
            thread.setDaemon(true);
            return thread;
        });
        sender.scheduleAtFixedRate(this::sendTick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sendTick() {
        for (int i = 0; i < RECORDS_PER_TICK; i++) {
            long sequence = nextSequence++;
            long sentAt = System.nanoTime();
            byte[] key = ("key-" + sequence % KEYS).getBytes(StandardCharsets.UTF_8);
            List<Header> headers = List.of(new Header("sequence",
                    Long.toString(sequence).getBytes(StandardCharsets.UTF_8)));
            try {
                producer.send(new ProducerRecord(records.topic(), null, null, key, records.value(sequence), headers))
                        .whenComplete((metadata, failure) -> {
                            records.completed(sequence, sentAt, metadata, failure);
                            if (failure == null) {
                                newestAckedSendNanos.accumulateAndGet(metadata.partition(), sentAt,
                                        (a, b) -> a == NONE || b - a > 0 ? b : a);
                            }
                        });
            } catch (RuntimeException e) {
                // A send refused outright (e.g. buffer full for max.block) is a failed send,
                // and must not end the scheduled task.
                records.completed(sequence, null, e);
            }
        }
    }

    /** True once every partition acknowledged a record sent after {@code sinceNanos} (System.nanoTime()). */
    boolean everyPartitionAcknowledgedSentAfter(long sinceNanos) {
        for (int p = 0; p < partitions; p++) {
            long newest = newestAckedSendNanos.get(p);
            if (newest == NONE || newest - sinceNanos <= 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        sender.shutdown();
        try {
            assertTrue(sender.awaitTermination(30, TimeUnit.SECONDS), "the producer thread did not stop");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.flush();
        producer.close();
    }
}
