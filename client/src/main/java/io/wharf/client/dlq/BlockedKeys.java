package io.wharf.client.dlq;

import io.grpc.ManagedChannel;
import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import io.wharf.client.TopicPartition;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerConfig;
import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.consumer.OffsetResetPolicy;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.proto.common.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The keys ordered mode has blocked, kept on a compacted topic (one per consumer group, by default
 * {@code <group>-dlq-blocked}; see {@link KeyBlock} for the record format) so that they survive a
 * restart and move with a partition in a rebalance. This object holds what it last read of the
 * topic: {@link #catchUp} reads to the topic's end. Writes wait for acks=all.
 *
 * <p>The topic must exist: create it compacted and replicated like any topic that must not lose
 * data (e.g. replication factor 3, min.insync.replicas 2). Not thread-safe: one thread uses it.
 */
public final class BlockedKeys implements KeyBlockStore, AutoCloseable {

    private final String topic;
    private final Consumer reader;
    private final Producer writer;
    private final LongSupplier clockMs;
    private final Duration catchUpTimeout;
    /** Id → block, as last read or written. */
    private final Map<String, KeyBlock> blocks = new TreeMap<>();

    private BlockedKeys(String topic, Consumer reader, Producer writer, LongSupplier clockMs, Duration catchUpTimeout) {
        this.topic = topic;
        this.reader = reader;
        this.writer = writer;
        this.clockMs = clockMs;
        this.catchUpTimeout = catchUpTimeout;
    }

    /**
     * The blocked-keys topic of consumer group {@code group} unless configured otherwise; for a
     * queue's loops, of the queue (its consumers share it as a group's members do).
     */
    public static String defaultTopic(String group) {
        return group + "-dlq-blocked";
    }

    /** Over plaintext gRPC; reads the whole topic before returning. */
    public static BlockedKeys open(List<Endpoint> bootstrap, String topic) {
        return open(bootstrap, topic, EndpointChannels.plaintext());
    }

    /**
     * With a transport of the caller's choosing (tests use in-process channels); reads the whole
     * topic before returning.
     *
     * @throws ClientException when the topic is unknown or cannot be read within 30 s
     */
    public static BlockedKeys open(List<Endpoint> bootstrap, String topic, Function<Endpoint, ManagedChannel> channels) {
        Consumer reader = new Consumer(ConsumerConfig.builder(bootstrap).autoOffsetReset(OffsetResetPolicy.EARLIEST)
                .fetchMaxWait(Duration.ofMillis(100)).build(), channels);
        Producer writer = new Producer(ProducerConfig.builder(bootstrap).acks(-1).idempotence(true).build(), channels);
        BlockedKeys keys = new BlockedKeys(topic, reader, writer, System::currentTimeMillis, Duration.ofSeconds(30));
        try {
            keys.catchUp();
        } catch (RuntimeException e) {
            keys.close();
            throw e;
        }
        return keys;
    }

    /** The topic the blocks are kept on. */
    public String topic() {
        return topic;
    }

    /**
     * Reads the topic up to its current end (the high watermark of every partition), so that
     * blocks and releases written by anyone before this call are known.
     *
     * @throws ClientException REQUEST_TIMED_OUT when the end is not reached within 30 s
     */
    public void catchUp() {
        List<TopicPartition> partitions = reader.partitionsFor(topic);
        if (!reader.assignment().containsAll(partitions)) {
            reader.assign(partitions);
        }
        Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
        long deadline = System.nanoTime() + catchUpTimeout.toNanos();
        while (ends.entrySet().stream().anyMatch(e -> reader.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() - deadline > 0) {
                throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "could not read blocked keys topic '" + topic
                        + "' to its end within " + catchUpTimeout);
            }
            for (ConsumerRecord record : reader.poll(Duration.ofMillis(100))) {
                apply(record);
            }
        }
    }

    private void apply(ConsumerRecord record) {
        if (record.key() == null) {
            return; // not written by this class: nothing to key a block by
        }
        String id = new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
            blocks.remove(id);
        } else {
            blocks.put(id, KeyBlock.decode(id, record.value()));
        }
    }

    @Override
    public boolean isBlocked(String source, byte[] key) {
        return blocks.containsKey(KeyBlock.id(source, key));
    }

    @Override
    public void block(String source, byte[] key, int partition, long offset, String cause) throws Exception {
        KeyBlock block = new KeyBlock(source, key, partition, offset, cause, clockMs.getAsLong());
        write(block.id(), block.encode());
        blocks.put(block.id(), block);
    }

    /**
     * Releases {@code key} of {@code source} (a topic, or a queue): writes its tombstone and waits
     * for the ack. Topic loops in ordered mode process the key's records again from the next batch
     * they read (each reads the topic before each batch), queue loops from the next delivery.
     *
     * @return whether the key was blocked (the tombstone is written either way)
     */
    public boolean release(String source, byte[] key) throws Exception {
        catchUp();
        String id = KeyBlock.id(source, key);
        boolean wasBlocked = blocks.containsKey(id);
        write(id, null);
        blocks.remove(id);
        return wasBlocked;
    }

    /** Every blocked key, by id, after reading the topic to its end. */
    public List<KeyBlock> list() {
        catchUp();
        List<KeyBlock> all = new ArrayList<>(blocks.values());
        all.sort(Comparator.comparing(KeyBlock::id));
        return all;
    }

    private void write(String id, byte[] value) throws Exception {
        writer.send(new ProducerRecord(topic, id.getBytes(StandardCharsets.UTF_8), value)).get();
    }

    @Override
    public void close() {
        writer.close();
        reader.close();
    }
}
