package io.wharf.client.admin;

import io.wharf.proto.broker.DescribeQueueResponse;
import io.wharf.proto.broker.QueueConsumerInfo;
import io.wharf.proto.common.QueueInfo;
import java.util.List;
import java.util.Map;

/**
 * A queue as its leader describes it: the declaration and its log's placement, the message counts
 * and the consumers attached. A snapshot. Immutable.
 *
 * @param info name, arguments, internal topic and the log's leader, replicas and ISR
 * @param ready messages waiting to be delivered
 * @param unacked messages delivered and not settled yet
 * @param readyBytes body bytes of the ready messages
 * @param consumers the consumers attached to the leader
 * @param logStartOffset first offset of the queue's log
 * @param logEndOffset next offset of the queue's log
 * @param redeliveries deliveries with redelivered set since this leader started
 * @param deadLettering messages that died and wait to be stored in the dead-letter exchange's queues
 * @param deadLettersDropped dead letters dropped (no such exchange, no route, too large for a target) since this leader started
 * @param discarded messages that died without a dead-letter exchange since this leader started, by
 *                  reason (rejected, expired, maxlen, delivery_limit)
 */
public record QueueDescription(QueueInfo info, long ready, long unacked, long readyBytes,
                               List<QueueConsumerInfo> consumers, long logStartOffset, long logEndOffset,
                               long redeliveries, long deadLettering, long deadLettersDropped,
                               Map<String, Long> discarded) {

    public QueueDescription {
        consumers = List.copyOf(consumers);
        discarded = Map.copyOf(discarded);
    }

    static QueueDescription of(DescribeQueueResponse response, QueueInfo fallback) {
        return new QueueDescription(response.hasQueue() ? response.getQueue() : fallback, response.getReady(),
                response.getUnacked(), response.getReadyBytes(), response.getConsumersList(),
                response.getLogStartOffset(), response.getLogEndOffset(), response.getRedeliveries(),
                response.getDeadLettering(), response.getDeadLettersDropped(), response.getDiscardedMap());
    }
}
