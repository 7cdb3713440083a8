package io.wharf.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.record.CompressionType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Random interleavings of appends, drains, failed requests (re-queued for retry) and
 * acknowledgements, driven the way the sender drives the accumulator (one request in flight per
 * partition): every record is acknowledged exactly once and each partition's offsets follow the
 * order of send.
 */
class RecordAccumulatorPropertyTest {

    private static final Endpoint BROKER = new Endpoint("b", 1);

    @Test
    void retriesNeverReorderOrLoseRecordsWithinAPartition() {
        for (long seed = 0; seed < 60; seed++) {
            runOnce(new Random(seed), seed);
        }
    }

    private void runOnce(Random random, long seed) {
        int partitions = 1 + random.nextInt(4);
        int batchSize = 64 + random.nextInt(2000);
        long lingerMs = random.nextInt(10);
        RecordAccumulator accumulator = new RecordAccumulator(batchSize, lingerMs, CompressionType.NONE, 1L << 30);
        Map<TopicPartition, List<CompletableFuture<RecordMetadata>>> sent = new HashMap<>();
        Map<TopicPartition, Integer> nextSequence = new HashMap<>();
        Map<TopicPartition, Long> logEnd = new HashMap<>();
        Map<TopicPartition, List<ProducerBatch>> inFlight = new HashMap<>();
        Set<TopicPartition> inFlightSet = new HashSet<>();
        long now = 0;
        int steps = 200 + random.nextInt(300);
        for (int step = 0; step < steps || !inFlight.isEmpty() || accumulator.hasQueued(); step++) {
            now += random.nextInt(3);
            int action = step < steps ? random.nextInt(10) : 5 + random.nextInt(5);
            if (action < 5) {
                TopicPartition tp = new TopicPartition("t", random.nextInt(partitions));
                int sequence = nextSequence.merge(tp, 1, Integer::sum) - 1;
                byte[] value = ByteBuffer.allocate(4 + random.nextInt(300)).putInt(0, sequence).array();
                ProducerRecord record = new ProducerRecord("t", tp.partition(), now, null, value, List.of());
                CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
                accumulator.append(tp, record, now, record.estimatedSize(), future, null, false, now, 0);
                sent.computeIfAbsent(tp, k -> new ArrayList<>()).add(future);
            } else if (action < 7) {
                long drainAt = step < steps ? now : now + lingerMs + 1;
                var requests = accumulator.drain(drainAt, head -> inFlightSet.contains(head.tp) ? null : BROKER, 4096,
                        batch -> true);
                requests.getOrDefault(BROKER, Map.of()).forEach((tp, batches) -> {
                    inFlight.put(tp, batches);
                    inFlightSet.add(tp);
                });
                now = Math.max(now, drainAt);
            } else if (!inFlight.isEmpty()) {
                List<TopicPartition> keys = new ArrayList<>(inFlight.keySet());
                TopicPartition tp = keys.get(random.nextInt(keys.size()));
                List<ProducerBatch> batches = inFlight.remove(tp);
                inFlightSet.remove(tp);
                if (random.nextInt(3) == 0) {
                    accumulator.reenqueue(tp, batches, now + random.nextInt(3));
                } else {
                    long offset = logEnd.getOrDefault(tp, 0L);
                    for (ProducerBatch batch : batches) {
                        batch.succeed(offset);
                        offset += batch.recordCount();
                    }
                    logEnd.put(tp, offset);
                }
            }
        }
        for (Map.Entry<TopicPartition, List<CompletableFuture<RecordMetadata>>> entry : sent.entrySet()) {
            TreeMap<Long, Integer> byOffset = new TreeMap<>();
            List<CompletableFuture<RecordMetadata>> futures = entry.getValue();
            for (int sequence = 0; sequence < futures.size(); sequence++) {
                assertTrue(futures.get(sequence).isDone(), "seed " + seed + ": record " + sequence + " never completed");
                byOffset.put(futures.get(sequence).join().offset(), sequence);
            }
            assertEquals(futures.size(), byOffset.size(), "seed " + seed + ": offsets are unique");
            int expected = 0;
            for (Map.Entry<Long, Integer> atOffset : byOffset.entrySet()) {
                assertEquals((long) expected, atOffset.getKey(), "seed " + seed + ": offsets are dense");
                assertEquals(expected, atOffset.getValue(), "seed " + seed + ": offset order is send order in " + entry.getKey());
                expected++;
            }
        }
        assertTrue(!accumulator.hasIncomplete(), "seed " + seed + ": nothing left incomplete");
    }
}
