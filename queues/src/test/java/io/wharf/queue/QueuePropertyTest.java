package io.wharf.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.queue.Checkpoint;
import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.proto.queue.Settle;
import io.wharf.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Random logs (fixed seeds) of every entry kind, some of which a careful leader would not append,
 * under random TTLs, length limits, overflow modes, delivery limits and dead-letter exchanges, with
 * the queue's invariants checked after every entry, and replays (full, from a later log start,
 * through the codec) that must reach the same states and effects.
 */
class QueuePropertyTest {

    private static final int SEQUENCES = 300;
    private static final int STEPS = 150;
    private static final List<ConsumerGone.Reason> REASONS = List.of(ConsumerGone.Reason.CANCELLED,
            ConsumerGone.Reason.DISCONNECTED, ConsumerGone.Reason.TIMEOUT, ConsumerGone.Reason.LEADER_CHANGED,
            ConsumerGone.Reason.CHANNEL_ERROR);
    private static final List<Settle.Outcome> OUTCOMES = List.of(Settle.Outcome.ACK, Settle.Outcome.REQUEUE,
            Settle.Outcome.REJECT);

    @Test
    void randomLogsKeepTheInvariantsAndReplayTheSame() {
        for (int seed = 0; seed < SEQUENCES; seed++) {
            run(seed);
        }
    }

    private static void run(long seed) {
        Random random = new Random(seed);
        QueueSettings settings = settings(seed, random);
        QueueLog log = new QueueLog(settings);
        Model model = new Model(settings);
        List<Checkpoint> states = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            if (random.nextInt(3) == 0) {
                log.nowMs += random.nextInt(5_000);
            }
            QueueEntry entry = next(random, log, model);
            model.before(entry, log.machine);
            List<QueueEffect> effects = log.append(entry);
            String where = "seed " + seed + " offset " + (log.entries.size() - 1) + " " + entry.getEntryCase();
            model.after(log.entries.get(log.entries.size() - 1), effects, where);
            checkInvariants(log.machine, settings, where);
            model.check(log.machine, log.nowMs, where);
            states.add(log.machine.checkpoint());
            if (entry.hasCheckpoint()) {
                // Built from the state at the log end, so applying it changes nothing but what its
                // later timestamp expires.
                boolean onlyExpiries = effects.stream().allMatch(e -> e instanceof QueueEffect.DeadLetter letter
                        ? letter.reason() == DeathReason.EXPIRED
                        : e instanceof QueueEffect.Discarded discarded
                                && discarded.messages().stream().allMatch(m -> m.reason() == DeathReason.EXPIRED));
                assertTrue(onlyExpiries, where + ": " + effects);
                if (effects.isEmpty()) {
                    assertEquals(entry.getCheckpoint(), states.get(step), where);
                }
            }
        }
        checkFullReplay(log, settings, states, "seed " + seed);
        checkReplayFromLaterStart(log, settings, states, random, "seed " + seed);
        checkCodec(log, settings, states, random, "seed " + seed);
    }

    /** Random limits and dead-letter exchange, the defaults for a third of the seeds. */
    private static QueueSettings settings(long seed, Random random) {
        QueueSettings settings = new QueueSettings(seed % 3 == 0, 4, 3);
        if (seed % 3 == 1) {
            return settings;
        }
        QueueLimits limits = QueueLimits.DEFAULTS;
        if (random.nextBoolean()) {
            limits = limits.withMessageTtlMs(random.nextInt(6_000));
        }
        if (random.nextBoolean()) {
            limits = limits.withMaxLength(random.nextInt(6));
        }
        if (random.nextInt(3) == 0) {
            limits = limits.withMaxLengthBytes(random.nextInt(60));
        }
        if (random.nextBoolean()) {
            limits = limits.withOverflow(Overflow.REJECT_PUBLISH);
        }
        limits = limits.withDeliveryLimit(random.nextInt(4) == 0 ? OptionalInt.empty()
                : OptionalInt.of(random.nextInt(3)));
        settings = settings.withLimits(limits);
        return random.nextBoolean() ? settings
                : settings.withDeadLetterTarget(new DeadLetterTarget("dlx", Optional.of("dead")));
    }

    /** An entry a leader might append, now and then one it should have refused. */
    private static QueueEntry next(Random random, QueueLog log, Model model) {
        QueueMachine machine = log.machine;
        List<ConsumerInfo> consumers = machine.consumers();
        int roll = random.nextInt(100);
        if (roll < 38) {
            String publisher = random.nextInt(3) == 0 ? "" : "p" + random.nextInt(5);
            String expiration = random.nextInt(4) == 0 ? String.valueOf(random.nextInt(8_000)) : "";
            return QueueLog.enqueue(publisher, random.nextInt(10), "b".repeat(random.nextInt(20)), expiration);
        } else if (roll < 47) {
            String id = consumers.isEmpty() || random.nextInt(10) > 0 ? "c" + model.consumers++
                    : consumers.get(random.nextInt(consumers.size())).consumerId();
            var subscribe = QueueLog.consumer(id, random.nextInt(4)).setNoAck(random.nextInt(5) == 0)
                    .setExclusive(random.nextInt(15) == 0).setPriority(random.nextInt(3));
            if (random.nextInt(4) > 0 && machine.canSubscribe(subscribe.build()).isPresent()) {
                subscribe.setExclusive(false).setConsumerId("c" + model.consumers++);
            }
            return QueueLog.subscribe(subscribe);
        } else if (roll < 70) {
            String consumer = consumers.isEmpty() || random.nextInt(20) == 0 ? "unknown"
                    : consumers.get(random.nextInt(consumers.size())).consumerId();
            List<Long> ids = new ArrayList<>();
            for (long id : machine.heldBy(consumer)) {
                if (random.nextBoolean()) {
                    ids.add(id);
                }
            }
            if (random.nextInt(5) == 0) {
                ids.add((long) random.nextInt(log.entries.size() + 1));
            }
            return QueueLog.settle(consumer, OUTCOMES.get(random.nextInt(OUTCOMES.size())), ids.toArray(Long[]::new));
        } else if (roll < 78) {
            String consumer = consumers.isEmpty() || random.nextInt(10) == 0 ? "unknown"
                    : consumers.get(random.nextInt(consumers.size())).consumerId();
            return QueueLog.gone(consumer, REASONS.get(random.nextInt(REASONS.size())));
        } else if (roll < 80) {
            return QueueLog.purge();
        } else if (roll < 86) {
            return QueueLog.checkpoint(machine.checkpoint());
        } else if (roll < 90) {
            return QueueLog.expire();
        } else if (roll < 95) {
            // What the leader would report done: some of the pending dead letters, now and then a wrong id.
            List<Long> ids = new ArrayList<>();
            for (QueueEffect.DeadLetter letter : machine.pendingDeadLetters()) {
                if (random.nextBoolean()) {
                    ids.add(letter.id());
                }
            }
            if (random.nextInt(5) == 0) {
                ids.add((long) random.nextInt(log.entries.size() + 1));
            }
            return QueueLog.deadLettered(ids.toArray(Long[]::new));
        }
        List<Long> candidates = machine.moveCandidates(3, log.entries.size());
        long id = candidates.isEmpty() || random.nextInt(10) == 0 ? random.nextInt(log.entries.size() + 1)
                : candidates.get(random.nextInt(candidates.size()));
        return QueueLog.move(id, "moved");
    }

    private static void checkInvariants(QueueMachine machine, QueueSettings settings, String where) {
        Set<Long> held = new HashSet<>();
        int heldTotal = 0;
        boolean someoneHasCredit = false;
        for (ConsumerInfo consumer : machine.consumers()) {
            List<Long> ids = machine.heldBy(consumer.consumerId());
            assertEquals(consumer.held(), ids.size(), where);
            if (consumer.prefetch() > 0) {
                assertTrue(ids.size() <= consumer.prefetch(), where + ": " + consumer + " holds " + ids);
            }
            for (long id : ids) {
                assertTrue(held.add(id), where + ": " + id + " held twice");
                assertEquals(Optional.of(consumer.consumerId()), machine.holder(id), where);
                assertTrue(machine.isHeldBy(consumer.consumerId(), id), where);
            }
            heldTotal += ids.size();
            someoneHasCredit |= consumer.prefetch() == 0 || ids.size() < consumer.prefetch();
        }
        assertEquals(machine.unackedCount(), heldTotal, where);
        assertEquals(machine.liveCount(), machine.readyCount() + heldTotal + machine.deadLetteringCount(), where);
        if (settings.deadLetterTarget().isEmpty()) {
            assertEquals(0, machine.deadLetteringCount(), where);
        }
        if (!settings.singleActiveConsumer()) {
            // Deliveries are decided on apply: nothing stays ready while a consumer could take it.
            assertFalse(machine.readyCount() > 0 && someoneHasCredit, where);
        } else {
            assertTrue(machine.consumers().stream().filter(ConsumerInfo::active).count()
                    == (machine.consumers().isEmpty() ? 0 : 1), where);
        }
        assertTrue(machine.oldestLocation() <= machine.nextOffset(), where);
        assertTrue(machine.lowestNeededOffset() <= machine.oldestLocation(), where);
    }

    /**
     * A replay gives the same effects and states, and so does one that skips the checkpoints
     * (applies an empty entry instead): restoring a checkpoint is invisible.
     */
    private static void checkFullReplay(QueueLog log, QueueSettings settings, List<Checkpoint> states, String where) {
        QueueReplay replay = new QueueReplay(new QueueMachine(settings), 0);
        QueueMachine withoutCheckpoints = new QueueMachine(settings);
        for (int i = 0; i < log.entries.size(); i++) {
            LoggedQueueEntry e = log.entries.get(i);
            assertEquals(log.effects.get(i), replay.apply(e.offset(), e.timestampMs(), e.entry()), where);
            assertEquals(states.get(i), replay.machine().checkpoint(), where + " offset " + i);
            QueueEntry kept = e.entry().hasCheckpoint() ? QueueEntry.getDefaultInstance() : e.entry();
            assertEquals(log.effects.get(i), withoutCheckpoints.apply(e.offset(), e.timestampMs(), kept), where);
            assertEquals(states.get(i), withoutCheckpoints.checkpoint(), where + " offset " + i);
        }
    }

    /** From a later log start, the state matches the full replay's from the first checkpoint on. */
    private static void checkReplayFromLaterStart(QueueLog log, QueueSettings settings, List<Checkpoint> states,
                                                  Random random, String where) {
        int start = 1 + random.nextInt(log.entries.size() - 1);
        QueueReplay replay = new QueueReplay(new QueueMachine(settings), start);
        for (LoggedQueueEntry e : log.entries.subList(start, log.entries.size())) {
            List<QueueEffect> effects = replay.apply(e.offset(), e.timestampMs(), e.entry());
            if (replay.started()) {
                int i = (int) e.offset();
                assertEquals(states.get(i), replay.machine().checkpoint(), where + " from " + start + " offset " + i);
                if (!e.entry().hasCheckpoint()) {
                    assertEquals(log.effects.get(i), effects, where + " from " + start + " offset " + i);
                }
            } else {
                assertEquals(List.of(), effects, where);
            }
        }
        boolean hasCheckpoint = log.entries.subList(start, log.entries.size()).stream()
                .anyMatch(e -> e.entry().hasCheckpoint());
        assertEquals(hasCheckpoint, replay.started(), where);
    }

    /** Entries through Kafka batches (one per run of equal timestamps) decode to the same log. */
    private static void checkCodec(QueueLog log, QueueSettings settings, List<Checkpoint> states, Random random,
                                   String where) {
        List<ByteBuffer> batches = new ArrayList<>();
        List<QueueEntry> pending = new ArrayList<>();
        long pendingTimestamp = 0;
        for (LoggedQueueEntry e : log.entries) {
            if (!pending.isEmpty() && (e.timestampMs() != pendingTimestamp || random.nextInt(8) == 0)) {
                batches.add(QueueEntryBatches.encode(pending, pendingTimestamp));
                pending.clear();
            }
            pending.add(e.entry());
            pendingTimestamp = e.timestampMs();
        }
        batches.add(QueueEntryBatches.encode(pending, pendingTimestamp));
        ByteBuffer stored = ByteBuffer.allocate(batches.stream().mapToInt(ByteBuffer::remaining).sum());
        long offset = 0;
        for (ByteBuffer buffer : batches) {
            RecordBatch batch = RecordBatch.wrap(buffer.duplicate());
            batch.setBaseOffset(offset);
            offset = batch.nextOffset();
            stored.put(batch.buffer().duplicate());
        }
        stored.flip();
        List<LoggedQueueEntry> decoded = QueueEntryBatches.decode(stored, 0, Long.MAX_VALUE);
        assertEquals(log.entries, decoded, where);
        QueueMachine machine = new QueueMachine(settings);
        decoded.forEach(e -> machine.apply(e.offset(), e.timestampMs(), e.entry()));
        assertEquals(states.get(states.size() - 1), machine.checkpoint(), where);
    }

    /** What the effects must agree with, tracked from the entries alone. */
    private static final class Model {
        final QueueSettings settings;
        int consumers;
        final Set<Long> delivered = new HashSet<>();
        final Set<Long> finished = new HashSet<>();
        final Map<Long, Integer> failed = new HashMap<>();
        /** Expiry of each stored message (0: never), from its Enqueue. */
        final Map<Long, Long> expiries = new HashMap<>();
        /** Dead letters announced and not DeadLettered yet, by id. */
        final Map<Long, QueueEffect.DeadLetter> dying = new TreeMap<>();
        /** The effects of the last entry, to check the limits it enforced. */
        private LoggedQueueEntry last;
        private List<QueueEffect> lastEffects = List.of();

        Model(QueueSettings settings) {
            this.settings = settings;
        }

        /** Counts the failed deliveries a ConsumerGone is about to cause. */
        void before(QueueEntry entry, QueueMachine machine) {
            if (entry.hasConsumerGone()) {
                ConsumerGone.Reason reason = entry.getConsumerGone().getReason();
                if (reason == ConsumerGone.Reason.DISCONNECTED || reason == ConsumerGone.Reason.TIMEOUT
                        || reason == ConsumerGone.Reason.CHANNEL_ERROR) {
                    machine.heldBy(entry.getConsumerGone().getConsumerId()).forEach(id -> failed.merge(id, 1, Integer::sum));
                }
            }
        }

        void after(LoggedQueueEntry entry, List<QueueEffect> effects, String where) {
            last = entry;
            lastEffects = effects;
            long now = entry.timestampMs();
            if (entry.entry().hasEnqueue() && effects.stream().noneMatch(e -> e instanceof QueueEffect.DuplicatePublish
                    || e instanceof QueueEffect.PublishRejected)) {
                expiries.put(entry.offset(), settings.limits().expiresAtMs(now,
                        entry.entry().getEnqueue().getMessage().getProperties().getExpiration()));
            }
            if (entry.entry().hasDeadLettered()) {
                entry.entry().getDeadLettered().getMessageIdsList().forEach(dying::remove);
            }
            for (QueueEffect effect : effects) {
                if (effect instanceof QueueEffect.Deliver deliver) {
                    assertFalse(finished.contains(deliver.id()), where + ": delivered after it died or was acked: "
                            + deliver);
                    long expiry = expiries.get(deliver.id());
                    assertFalse(expiry != 0 && expiry <= now, where + ": delivered expired: " + deliver);
                    assertEquals(delivered.contains(deliver.id()), deliver.redelivered(), where + ": " + deliver);
                    assertEquals(failed.getOrDefault(deliver.id(), 0), deliver.deliveryCount(), where + ": " + deliver);
                    delivered.add(deliver.id());
                } else if (effect instanceof QueueEffect.Settled settled
                        && settled.outcome() != Settle.Outcome.REQUEUE) {
                    finished.addAll(settled.ids());
                } else if (effect instanceof QueueEffect.Discarded discarded) {
                    for (DiscardedMessage message : discarded.messages()) {
                        died(message.id(), message.reason(), where);
                        if (message.reason() == DeathReason.REJECTED) {
                            assertEquals(failed.getOrDefault(message.id(), 0) + 1, message.deliveryCount(), where);
                        } else {
                            assertEquals(failed.getOrDefault(message.id(), 0), message.deliveryCount(), where);
                        }
                    }
                } else if (effect instanceof QueueEffect.DeadLetter letter) {
                    assertEquals(settings.deadLetterTarget(), Optional.of(letter.target()), where);
                    assertEquals(now, letter.diedAtMs(), where);
                    died(letter.id(), letter.reason(), where);
                    assertEquals(null, dying.put(letter.id(), letter), where + ": dead-lettered twice: " + letter);
                }
            }
        }

        private void died(long id, DeathReason reason, String where) {
            switch (reason) {
                // The Settled effect came first and finished it.
                case REJECTED -> assertTrue(finished.contains(id), where);
                case EXPIRED -> {
                    long expiry = expiries.get(id);
                    assertTrue(expiry != 0 && expiry <= last.timestampMs(), where + ": expired early: " + id);
                }
                case DELIVERY_LIMIT -> assertEquals(settings.limits().deliveryLimit().orElseThrow() + 1,
                        failed.getOrDefault(id, 0), where + ": " + id + " died on the wrong failure");
                case MAXLEN -> assertTrue(last.entry().hasEnqueue()
                        && settings.limits().overflow() == Overflow.DROP_HEAD, where);
            }
            assertFalse(!finished.add(id) && reason != DeathReason.REJECTED, where + ": died twice: " + id);
        }

        /** What the machine must show after the last entry. */
        void check(QueueMachine machine, long now, String where) {
            // A Move may have changed where a dying message's body is; the rest stays as announced.
            List<QueueEffect.DeadLetter> pending = machine.pendingDeadLetters();
            assertEquals(List.copyOf(dying.keySet()), pending.stream().map(QueueEffect.DeadLetter::id).toList(), where);
            for (QueueEffect.DeadLetter letter : pending) {
                QueueEffect.DeadLetter announced = dying.get(letter.id());
                assertEquals(announced, new QueueEffect.DeadLetter(letter.id(), announced.location(), letter.reason(),
                        letter.diedAtMs(), letter.target()), where);
            }
            // The ready head is never left expired: every entry expires it before anything else.
            machine.nextExpiryMs().ifPresent(expiry -> assertTrue(expiry > now, where + ": head expired at " + expiry));
            QueueLimits limits = settings.limits();
            boolean stored = last.entry().hasEnqueue() && lastEffects.stream().noneMatch(
                    e -> e instanceof QueueEffect.DuplicatePublish || e instanceof QueueEffect.PublishRejected);
            if (stored && limits.overflow() == Overflow.DROP_HEAD) {
                assertFalse(limits.exceeded(machine.readyCount(), machine.readyBytes()), where);
            } else if (stored) {
                // Dead letters still waiting count against reject-publish, as in RabbitMQ's at-least-once mode.
                assertFalse(limits.exceeded(machine.readyCount() + machine.deadLetteringCount(),
                        machine.readyBytes()), where);
            }
        }
    }
}
