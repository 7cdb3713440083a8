package io.wharf.broker.queue;

import io.wharf.proto.common.Error;
import io.wharf.proto.queue.DeadLettered;
import io.wharf.proto.queue.Expire;
import io.wharf.proto.queue.Message;
import io.wharf.proto.queue.Move;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.queue.QueueEffect;
import io.wharf.queue.QueueMachine;
import io.wharf.replication.log.Log;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What a queue's leader appends of its own accord, not for a client: DeadLettered for the dead
 * letters its {@link DeadLetterPublisher} stored, Expire once the head's TTL has passed, Move for
 * live messages left far behind the log end, a checkpoint when the last one holds the log start
 * back; and the log start it lets pass what is settled.
 *
 * <p>Leader-only state, confined to the queue thread; {@link #clear} forgets it when the
 * leadership goes.
 */
final class QueueUpkeep {

    private final QueueBrokerSettings settings;
    private final QueueLogApplier applied;
    private final MessageBodies bodies;
    private final QueueEntryAppender appender;
    private final DeadLetterPublisher deadLetters;
    /** Ids with a Move appended or pending, not applied yet. */
    private final Set<Long> moving = new HashSet<>();
    /** An Expire entry is appended and not applied yet: one at a time is enough. */
    private boolean expiring;

    QueueUpkeep(QueueBrokerSettings settings, QueueLogApplier applied, MessageBodies bodies,
                QueueEntryAppender appender, DeadLetterPublisher deadLetters) {
        this.settings = settings;
        this.applied = applied;
        this.bodies = bodies;
        this.appender = appender;
        this.deadLetters = deadLetters;
    }

    /**
     * One upkeep round: asks for a checkpoint when the last one holds the log start back;
     * re-appends messages left far behind the log end so their old place can go; expires the
     * head; stores the dead letters whose retry is due; lets the log start pass what is settled.
     */
    void run(Log log, long nowMs) {
        QueueMachine machine = applied.machine();
        long logEnd = log.logEndOffset();
        long oldest = machine.oldestLocation();
        if (appender.entriesSinceCheckpoint() >= settings.checkpointEntries()
                && oldest > machine.lastCheckpointOffset().orElse(-1)) {
            appender.askForCheckpoint();
        }
        if (logEnd - oldest > settings.moveThresholdEntries()) {
            long below = logEnd - settings.moveThresholdEntries() / 2;
            for (long id : machine.moveCandidates(settings.moveBatch(), below)) {
                if (moving.add(id)) {
                    long location = machine.location(id).orElseThrow();
                    Message message = bodies.message(log, location);
                    appender.submit(QueueEntry.newBuilder().setMove(Move.newBuilder().setId(id)
                            .setMessage(message)).build(), new QueueEntryAppender.Waiter() {
                        @Override
                        public void applied(List<QueueEffect> effects) {
                            moving.remove(id);
                        }

                        @Override
                        public void failed(Error error) {
                            moving.remove(id);
                        }
                    });
                }
            }
        }
        expireDue(nowMs);
        publishDeadLetters(log, nowMs);  // retries whose backoff passed, on a queue nothing else wakes
        long needed = Math.min(machine.lowestNeededOffset(), applied.nextOffset());
        if (needed > log.logStartOffset()) {
            log.deleteRecordsBefore(needed);
        }
    }

    /**
     * Appends an Expire entry once the head's TTL has passed, so that an idle queue expires its
     * messages too (its timestamp is the time the machine expires them by).
     */
    private void expireDue(long nowMs) {
        QueueMachine machine = applied.machine();
        if (expiring || machine.nextExpiryMs().isEmpty() || machine.nextExpiryMs().getAsLong() > nowMs) {
            return;
        }
        expiring = true;
        appender.submit(QueueEntry.newBuilder().setExpire(Expire.getDefaultInstance()).build(),
                new QueueEntryAppender.Waiter() {
                    @Override
                    public void applied(List<QueueEffect> effects) {
                        expiring = false;
                    }

                    @Override
                    public void failed(Error error) {
                        expiring = false;
                    }
                });
    }

    /** Stores the dead letters that are due, and marks those stored everywhere (or dropped) as done. */
    void publishDeadLetters(Log log, long nowMs) {
        deadLetters.publishDue(nowMs, id -> {
            OptionalLong location = applied.machine().location(id);
            return location.isEmpty() ? Optional.empty() : Optional.of(bodies.message(log, location.getAsLong()));
        });
        List<Long> done = deadLetters.takeDone();
        if (done.isEmpty()) {
            return;
        }
        appender.submit(QueueEntry.newBuilder().setDeadLettered(DeadLettered.newBuilder()
                .addAllMessageIds(done)).build(), new QueueEntryAppender.Waiter() {
            @Override
            public void applied(List<QueueEffect> effects) {
                done.forEach(deadLetters::marked);
            }

            @Override
            public void failed(Error error) {
                done.forEach(deadLetters::markFailed);
            }
        });
    }

    /** The leadership is gone: no Move or Expire is under way, and no dead letter is tracked. */
    void clear() {
        moving.clear();
        deadLetters.clear();
        expiring = false;
    }
}
