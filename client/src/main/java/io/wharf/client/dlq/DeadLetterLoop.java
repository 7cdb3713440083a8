package io.wharf.client.dlq;

import io.wharf.client.TopicPartition;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.consumer.RebalanceListener;
import io.wharf.client.producer.Producer;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A processing loop for a group consumer with dead-lettering: each record is processed by the
 * application's {@link RecordProcessor}, retried inline with backoff when it throws, and after
 * the last attempt published to the dead-letter topic ({@code <topic>-dlq} by default) with its
 * key, value and headers plus {@code error.*} headers ({@link DeadLetterRecord}); its offset is
 * committed only once it was processed or its dead letter acknowledged. In ordered mode a key
 * whose record is dead-lettered is first blocked on the {@link BlockedKeys} topic, and its later
 * records are dead-lettered behind it unprocessed until it is released.
 *
 * <p>{@link #run} runs on the caller's thread (the consumer's single owner) until {@link #stop}.
 * Retries wait on that thread, so a record's attempts and delays must fit well within the
 * consumer's {@code max.poll.interval.ms}, or the group takes its partitions away meanwhile.
 * At least once: a crash between a record's dead letter (or processing) and its commit handles
 * it again. The caller owns and closes the consumer, producer and blocked keys.
 */
public final class DeadLetterLoop {

    private final Consumer consumer;
    private final BlockedKeys blocks;
    private final DeadLetterConfig config;
    private final RecordHandler handler;
    private volatile boolean stopped;

    /**
     * @param consumer a consumer with {@code group.id} and {@code enable.auto.commit=false}, not yet subscribed
     * @param producer publishes the dead letters; acks=-1 and idempotence, the defaults
     * @param blocks the blocked keys, read before the first record; required in ordered mode, else null
     * @param config topics, retries, ordered mode
     * @param processor the application's work
     */
    public DeadLetterLoop(Consumer consumer, Producer producer, BlockedKeys blocks, DeadLetterConfig config,
                          RecordProcessor processor) {
        if (config.ordered() && blocks == null) {
            throw new IllegalArgumentException("ordered mode keeps blocked keys on a topic: pass BlockedKeys");
        }
        this.consumer = consumer;
        this.blocks = blocks;
        this.config = config;
        this.handler = new RecordHandler(new DeadLetterPolicy(config.backoff(), config.ordered()), processor,
                new ProducerDeadLetterSink(producer), blocks, config::deadLetterTopic, Pause.SLEEP,
                System::currentTimeMillis);
    }

    /**
     * Subscribes to {@code topics} and handles records until {@link #stop} is called. Returns with
     * the consumer still subscribed; close it to leave the group.
     *
     * @throws DeadLetterWriteException when a key block or dead letter could not be written; the
     *     record is not committed
     * @throws io.wharf.client.ClientException when polling, a commit or reading the blocked keys
     *     fails; nothing handled and uncommitted is lost, it is read again by the next owner
     * @throws InterruptedException when interrupted while waiting to retry
     */
    public void run(Collection<String> topics) throws InterruptedException {
        consumer.subscribe(topics, RebalanceListener.NONE);
        while (!stopped) {
            List<ConsumerRecord> records = consumer.poll(config.pollTimeout());
            if (config.ordered() && !records.isEmpty()) {
                // Before every batch, not only at assignment: this sees the blocks a partition's
                // previous owner wrote before committing past their dead letters (restart,
                // rebalance) and the releases written since the last batch.
                blocks.catchUp();
            }
            for (ConsumerRecord record : records) {
                handler.handle(record);
                consumer.commitSync(Map.of(new TopicPartition(record.topic(), record.partition()), record.offset() + 1));
            }
        }
    }

    /**
     * Makes {@link #run} return once the records of its current poll are handled and committed
     * (stopping in the middle would leave the consumer's position past uncommitted records). Any thread.
     */
    public void stop() {
        stopped = true;
    }
}
