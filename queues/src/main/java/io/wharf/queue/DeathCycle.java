package io.wharf.queue;

import io.wharf.proto.queue.Death;
import java.util.List;

/**
 * RabbitMQ's dead-letter cycle rule (deaths v2, 3.13+): a dead letter routed to a queue it already
 * died in is dropped there, unless a client rejected it somewhere in the cycle since, so that a
 * message expiring round a loop of queues does not circle for ever while one a client keeps
 * rejecting still may. Stateless.
 */
public final class DeathCycle {

    private DeathCycle() {
    }

    /**
     * Whether a dead letter with this x-death (its latest death included, most recent first) must not
     * go to {@code targetQueue}: the target is in its history and no death from the most recent one
     * up to and including the target's latest death was a rejection.
     */
    public static boolean isCycle(List<Death> xDeath, String targetQueue) {
        for (Death death : xDeath) {
            if (death.getReason().equals(DeathReason.REJECTED.text())) {
                return false;
            }
            if (death.getQueue().equals(targetQueue)) {
                return true;
            }
        }
        return false;
    }
}
