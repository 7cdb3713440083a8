package io.wharf.cli.view;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.client.admin.QueueDescription;
import io.wharf.proto.broker.QueueConsumerInfo;
import io.wharf.proto.common.QueueInfo;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One queue as {@code wharf queues list|describe --json} prints it: its declaration and its log's
 * leader (-1 for none), replicas and ISR; {@code describe} adds the leader's counts (dead-lettering
 * ones included: {@code discarded} by reason) and consumers (absent from {@code list}). Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QueueView(String name, @JsonProperty("queue_id") String queueId, String topic,
                        Map<String, String> arguments, int leader, List<Integer> replicas, List<Integer> isr,
                        Long ready, Long unacked, @JsonProperty("ready_bytes") Long readyBytes,
                        @JsonProperty("dead_lettering") Long deadLettering,
                        @JsonProperty("dead_letters_dropped") Long deadLettersDropped, Map<String, Long> discarded,
                        List<Consumer> consumers) {

    public QueueView {
        arguments = new TreeMap<>(arguments);
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        discarded = discarded == null ? null : new TreeMap<>(discarded);
    }

    /** A consumer attached to the queue's leader. */
    public record Consumer(@JsonProperty("consumer_tag") String consumerTag, int prefetch, int unacked,
                           boolean active, @JsonProperty("no_ack") boolean noAck, boolean exclusive) {

        static Consumer of(QueueConsumerInfo info) {
            return new Consumer(info.getConsumerTag(), info.getPrefetch(), info.getUnacked(), info.getActive(),
                    info.getNoAck(), info.getExclusive());
        }
    }

    /** As the controllers list it: no counts. */
    public static QueueView of(QueueInfo queue) {
        return new QueueView(queue.getName(), queue.getQueueId(), queue.getTopic(), queue.getArgumentsMap(),
                queue.hasPartition() ? queue.getPartition().getLeader() : -1, queue.getPartition().getReplicasList(),
                queue.getPartition().getIsrList(), null, null, null, null, null, null, null);
    }

    /** As its leader describes it. */
    public static QueueView of(QueueDescription description) {
        QueueView base = of(description.info());
        return new QueueView(base.name, base.queueId, base.topic, base.arguments, base.leader, base.replicas, base.isr,
                description.ready(), description.unacked(), description.readyBytes(), description.deadLettering(),
                description.deadLettersDropped(), description.discarded(), description.consumers().stream().map(Consumer::of).toList());
    }
}
