package io.wharf.queue;

import io.wharf.proto.queue.Death;
import io.wharf.proto.queue.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * The dead letter of a message, as RabbitMQ 3.13+/4.x writes it (message containers with "deaths
 * v2"): x-death gets a {queue, reason} entry at the front, or the existing one's count incremented
 * and moved to the front; x-first-death-* are set on the first death only, x-last-death-* on every
 * one; the per-message expiration is removed (kept in the new entry as original-expiration) so the
 * dead letter cannot expire again for it; the exchange becomes the dead-letter exchange and the
 * routing key the dead-letter routing key, when one is set. Stateless.
 */
public final class DeadLetteredMessage {

    private static final String FIRST_DEATH_QUEUE = "x-first-death-queue";
    private static final String FIRST_DEATH_REASON = "x-first-death-reason";
    private static final String FIRST_DEATH_EXCHANGE = "x-first-death-exchange";
    private static final String LAST_DEATH_QUEUE = "x-last-death-queue";
    private static final String LAST_DEATH_REASON = "x-last-death-reason";
    private static final String LAST_DEATH_EXCHANGE = "x-last-death-exchange";
    /** What the SDK's ordered dead-lettering for queues writes instead of x-death (it publishes itself). */
    private static final String SDK_ERROR_CAUSE = "error.cause";

    private DeadLetteredMessage() {
    }

    /**
     * Why {@code message} died last, when it is a dead letter: its {@code x-last-death-reason}
     * header, else the reason of its first {@code x-death} entry (the latest death), else the
     * {@code error.cause} header the SDK writes; "" for a message that is no dead letter.
     */
    public static String lastReason(Message message) {
        String last = message.getHeadersMap().get(LAST_DEATH_REASON);
        if (last != null) {
            return last;
        }
        if (message.getXDeathCount() > 0) {
            return message.getXDeath(0).getReason();
        }
        return message.getHeadersMap().getOrDefault(SDK_ERROR_CAUSE, "");
    }

    /**
     * The message to publish to {@code target} for {@code original}, which died in {@code queue}.
     *
     * @param diedAtMs when it died (the timestamp of the entry it died at); x-death's time is in
     *                 whole seconds, as RabbitMQ's AMQP 0-9-1 timestamp, and is the first such death's
     */
    public static Message of(Message original, String queue, DeathReason reason, long diedAtMs,
                             DeadLetterTarget target) {
        String exchange = original.getExchange();
        List<Death> deaths = new ArrayList<>(original.getXDeathList());
        Death again = null;
        for (int i = 0; i < deaths.size(); i++) {
            Death death = deaths.get(i);
            if (death.getQueue().equals(queue) && death.getReason().equals(reason.text())) {
                again = deaths.remove(i);
                break;
            }
        }
        Death death = again != null ? again.toBuilder().setCount(again.getCount() + 1).build()
                : Death.newBuilder().setQueue(queue).setReason(reason.text()).setCount(1)
                        .setTime(Math.floorDiv(diedAtMs, 1000)).setExchange(exchange)
                        .addRoutingKeys(original.getRoutingKey())
                        .setOriginalExpiration(original.getProperties().getExpiration()).build();
        deaths.add(0, death);
        Message.Builder dead = original.toBuilder().clearXDeath().addAllXDeath(deaths)
                .setExchange(target.exchange()).setRoutingKey(target.routingKeys(original).get(0));
        if (original.hasProperties()) {
            dead.getPropertiesBuilder().clearExpiration();
        }
        if (original.getXDeathCount() == 0) {
            dead.putHeaders(FIRST_DEATH_QUEUE, queue).putHeaders(FIRST_DEATH_REASON, reason.text())
                    .putHeaders(FIRST_DEATH_EXCHANGE, exchange);
        }
        return dead.putHeaders(LAST_DEATH_QUEUE, queue).putHeaders(LAST_DEATH_REASON, reason.text())
                .putHeaders(LAST_DEATH_EXCHANGE, exchange).build();
    }
}
