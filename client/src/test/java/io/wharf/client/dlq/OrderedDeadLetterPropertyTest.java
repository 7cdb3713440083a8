package io.wharf.client.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.client.queue.UnsettledDeliveries;
import io.wharf.proto.queue.Message;
import io.wharf.record.Header;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Seeded random streams of keyed and keyless messages, each failing a scripted number of times,
 * with key releases between messages, run in ordered mode with in-memory blocks and dead-letter
 * sink through {@link RecordHandler} (topic records, keyed by the record key) and
 * {@link QueueMessageHandler} (queue messages, keyed by a header; offsets are delivery tags). For
 * every key, between two releases of it, the dead letters are a contiguous tail of the key's
 * messages in source order; no message of a blocked key reaches the processor; every message is
 * processed once or dead-lettered once, never both.
 */
class OrderedDeadLetterPropertyTest {

    private static final int MAX_ATTEMPTS = 3;
    private static final DeadLetterPolicy POLICY =
            new DeadLetterPolicy(new RetryBackoff(Duration.ofMillis(1), Duration.ofMillis(4), MAX_ATTEMPTS), true);

    /** A message of the stream and how many attempts fail before one succeeds. */
    private record Scripted(long offset, String key, int failures) {
    }

    /** A dead letter as the sink saw it: the source offset, key (null: none) and {@code error.cause}. */
    private record DeadLetter(long offset, String key, String cause) {
    }

    /** The application's work, on the offset of the message it is given. */
    private interface OffsetProcessor {
        void process(long offset);
    }

    /** Handles the message at {@code offset} with {@code key} (null: none). */
    private interface Handler {
        void handle(long offset, String key) throws InterruptedException;
    }

    /** The two loops' handlers, each over its kind of message. */
    enum Model {
        TOPIC("orders") {
            @Override
            Handler handler(KeyBlockStore store, OffsetProcessor processor, List<DeadLetter> sink) {
                RecordHandler handler = new RecordHandler(POLICY, record -> processor.process(record.offset()),
                        deadLetter -> {
                            assertEquals(source() + "-dlq", deadLetter.topic());
                            sink.add(new DeadLetter(Long.parseLong(header(deadLetter, DeadLetterRecord.ORIGIN_OFFSET)),
                                    deadLetter.key() == null ? null : new String(deadLetter.key(), StandardCharsets.UTF_8),
                                    header(deadLetter, DeadLetterRecord.CAUSE)));
                        }, store, topic -> topic + "-dlq", delay -> { }, () -> 0L);
                return (offset, key) -> handler.handle(new ConsumerRecord(source(), 0, offset, 0L,
                        key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                        ("v" + offset).getBytes(StandardCharsets.UTF_8), List.of()));
            }
        },
        QUEUE("jobs") {
            @Override
            Handler handler(KeyBlockStore store, OffsetProcessor processor, List<DeadLetter> sink) {
                String keyHeader = QueueDeadLetterConfig.DEFAULT_ORDERING_KEY_HEADER;
                QueueMessageHandler handler = new QueueMessageHandler(POLICY,
                        delivery -> processor.process(delivery.deliveryTag()),
                        deadLetter -> {
                            assertEquals("jobs.dlx", deadLetter.exchange());
                            Map<String, String> headers = deadLetter.message().getHeadersMap();
                            sink.add(new DeadLetter(Long.parseLong(headers.get(QueueDeadLetter.ORIGIN_DELIVERY_TAG)),
                                    headers.get(keyHeader), headers.get(DeadLetterRecord.CAUSE)));
                        }, store, new DeadLetterExchange("jobs.dlx", Optional.empty()), Optional.of(keyHeader),
                        delay -> { }, () -> 0L);
                return (offset, key) -> {
                    Message.Builder message = Message.newBuilder().setBody(ByteString.copyFromUtf8("v" + offset));
                    if (key != null) {
                        message.putHeaders(keyHeader, key);
                    }
                    handler.handle(UnsettledDeliveries.of(source(), offset, message.build()));
                };
            }
        };

        private final String source;

        Model(String source) {
            this.source = source;
        }

        /** The topic or queue the messages come from. */
        String source() {
            return source;
        }

        abstract Handler handler(KeyBlockStore store, OffsetProcessor processor, List<DeadLetter> sink);
    }

    @ParameterizedTest
    @EnumSource(Model.class)
    void deadLettersOfAKeyAreAContiguousTailAndBlockedKeysAreNeverProcessed(Model model) throws InterruptedException {
        for (long seed = 0; seed < 400; seed++) {
            runOnce(model, new Random(seed), seed);
        }
    }

    private void runOnce(Model model, Random random, long seed) throws InterruptedException {
        Set<String> blocked = new HashSet<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        Map<Long, Integer> attempts = new HashMap<>();
        List<Long> processed = new ArrayList<>();
        Map<Long, Integer> failuresOf = new HashMap<>();
        KeyBlockStore store = new KeyBlockStore() {
            @Override
            public boolean isBlocked(String source, byte[] key) {
                return blocked.contains(KeyBlock.id(source, key));
            }

            @Override
            public void block(String source, byte[] key, int partition, long offset, String cause) {
                blocked.add(KeyBlock.id(source, key));
            }
        };
        Handler handler = model.handler(store, offset -> {
            int attempt = attempts.merge(offset, 1, Integer::sum);
            if (attempt <= failuresOf.get(offset)) {
                throw new IllegalStateException("attempt " + attempt + " of " + offset);
            }
            processed.add(offset);
        }, deadLetters);

        int keys = 1 + random.nextInt(5);
        int length = random.nextInt(60);
        List<Scripted> stream = new ArrayList<>();
        // Per key, the "epoch" of each message: how many releases of its key came before it.
        Map<Long, Integer> epochOf = new HashMap<>();
        Map<String, Integer> releases = new HashMap<>();
        for (long offset = 0; offset < length; offset++) {
            if (random.nextInt(8) == 0) {
                String released = "k" + random.nextInt(keys);
                blocked.remove(KeyBlock.id(model.source(), released.getBytes(StandardCharsets.UTF_8)));
                releases.merge(released, 1, Integer::sum);
            }
            String key = random.nextInt(6) == 0 ? null : "k" + random.nextInt(keys);
            // Mostly successes, so that blocks also have messages to hold back.
            int failures = random.nextInt(10) < 7 ? random.nextInt(MAX_ATTEMPTS) : MAX_ATTEMPTS + random.nextInt(2);
            failuresOf.put(offset, failures);
            epochOf.put(offset, key == null ? 0 : releases.getOrDefault(key, 0));
            stream.add(new Scripted(offset, key, failures));
            handler.handle(offset, key);
        }

        Map<Long, String> causeOf = new HashMap<>();
        for (DeadLetter deadLetter : deadLetters) {
            assertTrue(causeOf.put(deadLetter.offset(), deadLetter.cause()) == null,
                    "seed " + seed + ": offset " + deadLetter.offset() + " dead-lettered twice");
        }
        for (Scripted s : stream) {
            long offset = s.offset();
            boolean done = processed.contains(offset);
            assertTrue(done ^ causeOf.containsKey(offset),
                    "seed " + seed + ": offset " + offset + " must be processed or dead-lettered, exactly one");
            assertTrue(processed.indexOf(offset) == processed.lastIndexOf(offset), "seed " + seed + ": processed twice");
        }

        // Per (key, epoch): source-ordered messages; dead letters must be a contiguous tail, the
        // first of them a real failure and the rest blocked without an attempt.
        Map<String, List<Scripted>> runs = new HashMap<>();
        for (Scripted s : stream) {
            if (s.key() != null) {
                runs.computeIfAbsent(s.key() + "#" + epochOf.get(s.offset()), k -> new ArrayList<>()).add(s);
            } else {
                assertEquals(s.failures() >= MAX_ATTEMPTS, causeOf.containsKey(s.offset()),
                        "seed " + seed + ": a keyless message is dead-lettered only when it fails every attempt");
            }
        }
        for (Map.Entry<String, List<Scripted>> run : runs.entrySet()) {
            List<Scripted> messages = run.getValue();
            int firstDead = -1;
            for (int i = 0; i < messages.size(); i++) {
                long offset = messages.get(i).offset();
                if (firstDead < 0 && causeOf.containsKey(offset)) {
                    firstDead = i;
                    assertEquals(IllegalStateException.class.getName(), causeOf.get(offset),
                            "seed " + seed + ": the first dead letter of " + run.getKey() + " is its own failure");
                    assertTrue(messages.get(i).failures() >= MAX_ATTEMPTS, "seed " + seed);
                } else if (firstDead >= 0) {
                    assertEquals(DeadLetterPolicy.BLOCKED_BY_PREVIOUS_FAILURE, causeOf.get(offset),
                            "seed " + seed + ": " + run.getKey() + " offset " + offset + " after the block must follow it");
                    assertEquals(null, attempts.get(offset),
                            "seed " + seed + ": " + run.getKey() + " offset " + offset + " reached the processor while blocked");
                } else {
                    assertTrue(messages.get(i).failures() < MAX_ATTEMPTS, "seed " + seed + ": a message that fails every attempt is dead-lettered");
                }
            }
        }

        // Dead letters of a key appear in source order.
        Map<String, Long> lastDeadOffset = new HashMap<>();
        for (DeadLetter deadLetter : deadLetters) {
            if (deadLetter.key() != null) {
                Long previous = lastDeadOffset.put(deadLetter.key(), deadLetter.offset());
                assertTrue(previous == null || previous < deadLetter.offset(),
                        "seed " + seed + ": dead letters of " + deadLetter.key() + " out of order");
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
