package io.wharf.broker.queue;

import io.wharf.queue.DeathReason;
import java.util.EnumMap;
import java.util.Map;

/**
 * One queue's figures as its leader saw them at one upkeep round, for the metrics: what the queue
 * holds now, and what happened to it while this broker led it. Immutable, so that the queue thread
 * can hand it to a scrape on another thread.
 *
 * @param ready              messages waiting for a consumer
 * @param unacked            messages delivered and not settled yet
 * @param readyBytes         the bytes of the ready messages, as the queue counts them for x-max-length-bytes
 * @param consumers          consumers registered on the queue
 * @param deadLettering      messages that died and wait to be stored in the dead-letter exchange's queues
 * @param redeliveries       deliveries to consumers of messages delivered before, while this broker led the queue
 * @param deadLettersDropped dead letters dropped (no exchange, no route, too large), while this broker led the queue
 * @param discarded          messages that died without a dead-letter exchange, by reason (every reason present),
 *                           while this broker led the queue
 * @param published          messages stored in the queue (duplicates and refused publishes not counted), while
 *                           this broker led the queue
 * @param delivered          deliveries, to consumers and basic.get, while this broker led the queue
 * @param acked              deliveries acknowledged (explicitly or by no-ack), while this broker led the queue
 * @param oldestEnqueuedAtMs when the oldest message the queue holds (ready, unacked or dead-lettering) was
 *                           stored, epoch milliseconds; 0 when it holds none
 * @param deadLetters        the messages it holds that came as dead letters, by why they died last
 *                           (reasons with none absent): a dead-letter queue's content by reason
 */
public record QueueFigures(long ready, long unacked, long readyBytes, long consumers, long deadLettering,
                           long redeliveries, long deadLettersDropped, Map<DeathReason, Long> discarded,
                           long published, long delivered, long acked, long oldestEnqueuedAtMs,
                           Map<String, Integer> deadLetters) {

    public QueueFigures {
        Map<DeathReason, Long> all = new EnumMap<>(DeathReason.class);
        for (DeathReason reason : DeathReason.values()) {
            all.put(reason, discarded.getOrDefault(reason, 0L));
        }
        discarded = Map.copyOf(all);
        deadLetters = Map.copyOf(deadLetters);
    }
}
