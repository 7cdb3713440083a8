package io.wharf.client.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.record.Header;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Seeded random streams of keyed and keyless records, each failing a scripted number of times,
 * with key releases between records, run through {@link RecordHandler} in ordered mode with
 * in-memory blocks and dead-letter sink. For every key, between two releases of it, the dead
 * letters are a contiguous tail of the key's records in source order; no record of a blocked key
 * reaches the processor; every record is processed once or dead-lettered once, never both.
 */
class OrderedDeadLetterPropertyTest {

    private static final String TOPIC = "orders";
    private static final int MAX_ATTEMPTS = 3;

    /** A record of the stream and how many attempts fail before one succeeds. */
    private record Scripted(ConsumerRecord record, int failures) {
    }

    @Test
    void deadLettersOfAKeyAreAContiguousTailAndBlockedKeysAreNeverProcessed() throws InterruptedException {
        for (long seed = 0; seed < 400; seed++) {
            runOnce(new Random(seed), seed);
        }
    }

    private void runOnce(Random random, long seed) throws InterruptedException {
        Set<String> blocked = new HashSet<>();
        List<ProducerRecord> deadLetters = new ArrayList<>();
        Map<Long, Integer> attempts = new HashMap<>();
        List<Long> processed = new ArrayList<>();
        Map<Long, Integer> failuresOf = new HashMap<>();
        KeyBlockStore store = new KeyBlockStore() {
            @Override
            public boolean isBlocked(String topic, byte[] key) {
                return blocked.contains(topic + "/" + HexFormat.of().formatHex(key));
            }

            @Override
            public void block(ConsumerRecord origin, String cause) {
                blocked.add(origin.topic() + "/" + HexFormat.of().formatHex(origin.key()));
            }
        };
        RecordProcessor processor = record -> {
            int attempt = attempts.merge(record.offset(), 1, Integer::sum);
            if (attempt <= failuresOf.get(record.offset())) {
                throw new IllegalStateException("attempt " + attempt + " of " + record.offset());
            }
            processed.add(record.offset());
        };
        RecordHandler handler = new RecordHandler(
                new DeadLetterPolicy(new RetryBackoff(Duration.ofMillis(1), Duration.ofMillis(4), MAX_ATTEMPTS), true),
                processor, deadLetters::add, store, topic -> topic + "-dlq", delay -> { }, () -> 0L);

        int keys = 1 + random.nextInt(5);
        int length = random.nextInt(60);
        List<Scripted> stream = new ArrayList<>();
        // Per key, the "epoch" of each record: how many releases of its key came before it.
        Map<Long, Integer> epochOf = new HashMap<>();
        Map<String, Integer> releases = new HashMap<>();
        for (long offset = 0; offset < length; offset++) {
            if (random.nextInt(8) == 0) {
                String released = "k" + random.nextInt(keys);
                blocked.remove(TOPIC + "/" + HexFormat.of().formatHex(released.getBytes(StandardCharsets.UTF_8)));
                releases.merge(released, 1, Integer::sum);
            }
            String key = random.nextInt(6) == 0 ? null : "k" + random.nextInt(keys);
            // Mostly successes, so that blocks also have records to hold back.
            int failures = random.nextInt(10) < 7 ? random.nextInt(MAX_ATTEMPTS) : MAX_ATTEMPTS + random.nextInt(2);
            ConsumerRecord record = new ConsumerRecord(TOPIC, 0, offset, 0L,
                    key == null ? null : key.getBytes(StandardCharsets.UTF_8), ("v" + offset).getBytes(StandardCharsets.UTF_8),
                    List.of());
            failuresOf.put(offset, failures);
            epochOf.put(offset, key == null ? 0 : releases.getOrDefault(key, 0));
            stream.add(new Scripted(record, failures));
            handler.handle(record);
        }

        Map<Long, String> causeOf = new HashMap<>();
        for (ProducerRecord deadLetter : deadLetters) {
            long offset = Long.parseLong(header(deadLetter, DeadLetterRecord.ORIGIN_OFFSET));
            assertTrue(causeOf.put(offset, header(deadLetter, DeadLetterRecord.CAUSE)) == null,
                    "seed " + seed + ": offset " + offset + " dead-lettered twice");
        }
        for (Scripted s : stream) {
            long offset = s.record().offset();
            boolean done = processed.contains(offset);
            assertTrue(done ^ causeOf.containsKey(offset),
                    "seed " + seed + ": offset " + offset + " must be processed or dead-lettered, exactly one");
            assertTrue(processed.indexOf(offset) == processed.lastIndexOf(offset), "seed " + seed + ": processed twice");
        }

        // Per (key, epoch): source-ordered records; dead letters must be a contiguous tail, the
        // first of them a real failure and the rest blocked without an attempt.
        Map<String, List<Scripted>> runs = new HashMap<>();
        for (Scripted s : stream) {
            if (s.record().key() != null) {
                String key = new String(s.record().key(), StandardCharsets.UTF_8);
                runs.computeIfAbsent(key + "#" + epochOf.get(s.record().offset()), k -> new ArrayList<>()).add(s);
            } else {
                long offset = s.record().offset();
                assertEquals(s.failures() >= MAX_ATTEMPTS, causeOf.containsKey(offset),
                        "seed " + seed + ": a keyless record is dead-lettered only when it fails every attempt");
            }
        }
        for (Map.Entry<String, List<Scripted>> run : runs.entrySet()) {
            List<Scripted> records = run.getValue();
            int firstDead = -1;
            for (int i = 0; i < records.size(); i++) {
                long offset = records.get(i).record().offset();
                if (firstDead < 0 && causeOf.containsKey(offset)) {
                    firstDead = i;
                    assertEquals(IllegalStateException.class.getName(), causeOf.get(offset),
                            "seed " + seed + ": the first dead letter of " + run.getKey() + " is its own failure");
                    assertTrue(records.get(i).failures() >= MAX_ATTEMPTS, "seed " + seed);
                } else if (firstDead >= 0) {
                    assertEquals(DeadLetterPolicy.BLOCKED_BY_PREVIOUS_FAILURE, causeOf.get(offset),
                            "seed " + seed + ": " + run.getKey() + " offset " + offset + " after the block must follow it");
                    assertEquals(null, attempts.get(offset),
                            "seed " + seed + ": " + run.getKey() + " offset " + offset + " reached the processor while blocked");
                } else {
                    assertTrue(records.get(i).failures() < MAX_ATTEMPTS, "seed " + seed + ": a record that fails every attempt is dead-lettered");
                }
            }
        }

        // Dead letters of a key appear in source order.
        Map<String, Long> lastDeadOffset = new HashMap<>();
        for (ProducerRecord deadLetter : deadLetters) {
            assertEquals(TOPIC + "-dlq", deadLetter.topic());
            if (deadLetter.key() != null) {
                String key = new String(deadLetter.key(), StandardCharsets.UTF_8);
                long offset = Long.parseLong(header(deadLetter, DeadLetterRecord.ORIGIN_OFFSET));
                Long previous = lastDeadOffset.put(key, offset);
                assertTrue(previous == null || previous < offset, "seed " + seed + ": dead letters of " + key + " out of order");
            }
        }
    }

    private static String header(ProducerRecord record, String name) {
        for (Header header : record.headers()) {
            if (header.key().equals(name)) {
                return new String(header.value(), StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no header " + name);
    }
}
