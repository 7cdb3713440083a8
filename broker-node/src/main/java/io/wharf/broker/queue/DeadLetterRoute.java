package io.wharf.broker.queue;

import io.wharf.metadata.ExchangeRouter;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.Route;
import io.wharf.proto.queue.Message;
import io.wharf.queue.DeadLetteredMessage;
import io.wharf.queue.DeathCycle;
import io.wharf.queue.QueueEffect;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where one dead letter goes: the message to store and the queues to store it in. Pure.
 *
 * @param message the dead letter (x-death and the x-first/last-death headers written)
 * @param queues  the target queues, each once; empty when it is dropped (no such exchange, no
 *                route, or every target would close a dead-letter cycle)
 */
record DeadLetterRoute(Message message, List<String> queues) {

    DeadLetterRoute {
        queues = List.copyOf(queues);
    }

    /**
     * Routes the dead letter of {@code original}, which died in {@code queue} as {@code dead} says,
     * through the dead-letter exchange as {@code image} has it: once per routing key, the union of
     * the queues, less those {@link DeathCycle#isCycle} names. An exchange that does not exist routes
     * nowhere (RabbitMQ drops such dead letters); an internal one is fine, since no client publishes.
     */
    static DeadLetterRoute of(MetadataImage image, String queue, Message original, QueueEffect.DeadLetter dead) {
        Message letter = DeadLetteredMessage.of(original, queue, dead.reason(), dead.diedAtMs(), dead.target());
        Set<String> targets = new LinkedHashSet<>();
        for (String key : dead.target().routingKeys(original)) {
            Route route = ExchangeRouter.route(image, dead.target().exchange(), key, letter.getHeadersMap());
            targets.addAll(route.queues());
        }
        targets.removeIf(target -> DeathCycle.isCycle(letter.getXDeathList(), target));
        return new DeadLetterRoute(letter, List.copyOf(targets));
    }
}
