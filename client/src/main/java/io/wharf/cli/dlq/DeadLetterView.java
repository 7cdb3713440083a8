package io.wharf.cli.dlq;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.client.dlq.DeadLetterRecord;
import io.wharf.client.queue.QueueDelivery;
import io.wharf.proto.queue.Death;
import io.wharf.proto.queue.Message;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One dead letter as {@code wharf dlq show} prints it: where it sits, how it was published last,
 * its headers and body (text when the body is UTF-8, else base64) and its death history, newest
 * death first. Immutable.
 *
 * @param deliveryTag its message id in the dead-letter queue
 * @param exchange the exchange it was last published to (the dead-letter exchange)
 * @param routingKey the routing key it was last published with
 * @param headers its headers, x-first-death-* and x-last-death-* included, sorted by name
 * @param bodyEncoding {@code utf-8} or {@code base64}
 * @param body the body in that encoding
 * @param xDeath the x-death entries, newest first
 */
public record DeadLetterView(@JsonProperty("delivery_tag") long deliveryTag, String exchange,
                             @JsonProperty("routing_key") String routingKey, Map<String, String> headers,
                             @JsonProperty("body_encoding") String bodyEncoding, String body,
                             @JsonProperty("x_death") List<DeathView> xDeath) {

    /**
     * One x-death entry.
     *
     * @param queue the queue it died in
     * @param reason rejected, expired, maxlen or delivery_limit
     * @param count how often it died there for that reason
     * @param exchange the exchange it had been published to before that death
     * @param routingKeys the routing keys it had been published with
     * @param time the first such death, ISO-8601 UTC
     */
    public record DeathView(String queue, String reason, long count, String exchange,
                            @JsonProperty("routing_keys") List<String> routingKeys, String time) {

        static DeathView of(Death death) {
            return new DeathView(death.getQueue(), death.getReason(), death.getCount(), death.getExchange(),
                    List.copyOf(death.getRoutingKeysList()), Instant.ofEpochSecond(death.getTime()).toString());
        }
    }

    public static DeadLetterView of(QueueDelivery delivery) {
        Message message = delivery.message();
        EncodedBytes body = EncodedBytes.of(message.getBody().toByteArray());
        return new DeadLetterView(delivery.deliveryTag(), message.getExchange(), message.getRoutingKey(),
                new TreeMap<>(message.getHeadersMap()), body.encoding(), body.text(),
                message.getXDeathList().stream().map(DeathView::of).toList());
    }

    /**
     * Why the message died last: {@code x-last-death-reason}, else the newest x-death entry's
     * reason, else (a dead letter of the SDK's queue loop) its {@code error.cause}; "" when it
     * never died.
     */
    public static String lastReason(Message message) {
        String header = message.getHeadersMap().get("x-last-death-reason");
        if (header != null) {
            return header;
        }
        return message.getXDeathCount() > 0 ? message.getXDeath(0).getReason()
                : message.getHeadersMap().getOrDefault(DeadLetterRecord.CAUSE, "");
    }
}
