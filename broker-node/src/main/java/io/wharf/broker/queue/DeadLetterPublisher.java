package io.wharf.broker.queue;

import io.wharf.metadata.MetadataImage;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.Message;
import io.wharf.queue.QueueEffect;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead letters of one queue this broker leads, from the moment the queue's state machine says a
 * message died until the queue may be told it is done (a DeadLettered entry): each is routed through
 * the dead-letter exchange and stored in every target queue through the same path publishes take,
 * then handed back by {@link #takeDone()}. A store that fails (no leader, a timeout, too few
 * replicas) is tried again after a backoff, never dropped, unless a target refuses it as too large
 * (RECORD_TOO_LARGE: it never would fit); each dead letter is stored by one attempt
 * at a time, and at most {@value #MAX_STORING} of a queue's at once (their bodies are read from the
 * log and held until stored: a mass expiry must not read them all at once).
 *
 * <p>At least once: every copy is published as {@code dlx:<source queue id>} with the message id as
 * its sequence, so a target queue whose publisher window still holds that sequence stores a retry —
 * or a new leader's re-publish of what its predecessor stored but had not marked — only once. The
 * window holds a publisher's last {@value io.wharf.queue.QueueSettings#DEFAULT_PUBLISHER_WINDOW}
 * sequences and the last {@value io.wharf.queue.QueueSettings#DEFAULT_MAX_PUBLISHERS} publishers,
 * so a re-publish after more dead letters than that from the same queue may store a duplicate.
 *
 * <p>Leader-only state, confined to the queue thread; {@link #clear} forgets it on a step-down
 * (a new leader starts again from the machine's pending dead letters).
 */
final class DeadLetterPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterPublisher.class);
    static final long FIRST_BACKOFF_MS = 100;
    static final long MAX_BACKOFF_MS = 5_000;
    static final int MAX_STORING = 256;

    /** Waiting (in {@link #due}), being stored, stored everywhere or dropped (in {@link #done}), being marked. */
    private enum Stage { WAITING, STORING, DONE, MARKING }

    private static final class Tracked {
        final QueueEffect.DeadLetter letter;
        Stage stage = Stage.WAITING;
        long backoffMs = FIRST_BACKOFF_MS;

        Tracked(QueueEffect.DeadLetter letter) {
            this.letter = letter;
        }
    }

    /** A waiting dead letter and when it may be tried. */
    private record Due(long notBeforeMs, long id) {
    }

    private final String queue;
    private final String publisherId;
    private final Supplier<MetadataImage> image;
    private final Function<List<MessageStores.Store>, List<CompletableFuture<Error>>> store;
    /** Runs a completion on the queue thread (and has the shard drained after it). */
    private final Executor queueThread;
    private final LongSupplier clock;
    private final Map<Long, Tracked> tracked = new HashMap<>();
    /** The waiting ones, soonest first, then by id: the order they died in. */
    private final TreeSet<Due> due = new TreeSet<>(Comparator.comparingLong(Due::notBeforeMs)
            .thenComparingLong(Due::id));
    private final List<Long> done = new ArrayList<>();
    private int storing;
    /** Bumped by {@link #clear}: completions of an earlier leadership's stores are ignored. */
    private long generation;
    private long dropped;

    /**
     * @param queueId the source queue's id (not its name: a queue declared again under the same name
     *                starts its message ids again, and must not look like a retry to the targets)
     */
    DeadLetterPublisher(String queue, String queueId, Supplier<MetadataImage> image,
                        Function<List<MessageStores.Store>, List<CompletableFuture<Error>>> store,
                        Executor queueThread, LongSupplier clock) {
        this.queue = queue;
        this.publisherId = "dlx:" + queueId;
        this.image = image;
        this.store = store;
        this.queueThread = queueThread;
        this.clock = clock;
    }

    /** Tracks a dying message; one already tracked is left as it is. */
    void add(QueueEffect.DeadLetter letter) {
        if (tracked.putIfAbsent(letter.id(), new Tracked(letter)) == null) {
            due.add(new Due(0, letter.id()));
        }
    }

    /**
     * Routes and stores the waiting dead letters whose backoff has passed, while fewer than
     * {@value #MAX_STORING} are being stored.
     *
     * @param body the body of a message by id, read where it is now (a long-waiting one may have
     *             been moved since it died); empty when it is no longer live, which leaves nothing to do
     */
    void publishDue(long nowMs, LongFunction<Optional<Message>> body) {
        while (storing < MAX_STORING && !due.isEmpty() && due.first().notBeforeMs() <= nowMs) {
            long id = due.pollFirst().id();
            Tracked one = tracked.get(id);
            DeadLetterRoute route;
            try {
                Optional<Message> original = body.apply(id);
                if (original.isEmpty()) {
                    tracked.remove(id);
                    continue;
                }
                route = DeadLetterRoute.of(image.get(), queue, original.get(), one.letter);
            } catch (RuntimeException e) {
                LOG.warn("Queue '{}': dead letter {} could not be made; trying again: {}", queue, id, e.toString());
                backOff(id, one, nowMs);
                continue;
            }
            if (route.queues().isEmpty()) {
                dropped++;  // RabbitMQ drops a dead letter without an exchange or a route
                finish(id, one);
                continue;
            }
            one.stage = Stage.STORING;
            storing++;
            List<MessageStores.Store> stores = route.queues().stream()
                    .map(target -> new MessageStores.Store(target, publisherId, id, route.message())).toList();
            List<CompletableFuture<Error>> stored = store.apply(stores);
            long sent = generation;
            CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new)).whenComplete((all, failure) ->
                    queueThread.execute(() -> stored(sent, id, stored)));
        }
    }

    private void stored(long sent, long id, List<CompletableFuture<Error>> stored) {
        if (sent != generation) {
            return;
        }
        storing--;
        Tracked one = tracked.get(id);
        boolean tooLarge = false;
        for (CompletableFuture<Error> each : stored) {
            Error outcome = each.isCompletedExceptionally() ? null : each.join();
            if (outcome != null && outcome.getCode() == ErrorCode.RECORD_TOO_LARGE) {
                // Never stored however often it is tried (x-death made it larger than the limit):
                // kept, it would pin the source queue's log for ever.
                LOG.warn("Queue '{}': dead letter {} dropped for a target: {}", queue, id, outcome.getMessage());
                tooLarge = true;
            } else if (outcome == null || outcome.getCode() != ErrorCode.NONE) {
                LOG.debug("Queue '{}': dead letter {} not stored ({}); trying again", queue, id,
                        outcome == null ? "failed" : outcome.getMessage());
                backOff(id, one, clock.getAsLong());
                return;
            }
        }
        if (tooLarge) {
            dropped++;
        }
        finish(id, one);
    }

    private void finish(long id, Tracked one) {
        one.stage = Stage.DONE;
        done.add(id);
    }

    /** The ids stored everywhere (or dropped) since the last call: the queue may now mark them dead-lettered. */
    List<Long> takeDone() {
        List<Long> taken = List.copyOf(done);
        done.clear();
        taken.forEach(id -> tracked.get(id).stage = Stage.MARKING);
        return taken;
    }

    /** The queue committed its DeadLettered entry for {@code id}: nothing is left to do for it. */
    void marked(long id) {
        tracked.remove(id);
    }

    /** Its DeadLettered entry was not appended: publish it again (the targets drop the duplicate). */
    void markFailed(long id) {
        Tracked one = tracked.get(id);
        if (one != null && one.stage == Stage.MARKING) {
            backOff(id, one, clock.getAsLong());
        }
    }

    /** Leadership is gone: forget everything, and ignore the stores still under way. */
    void clear() {
        tracked.clear();
        due.clear();
        done.clear();
        storing = 0;
        generation++;
    }

    /**
     * Dead letters dropped since this broker started: for want of an exchange or a route, or by a
     * target queue as too large (queue.max.message.bytes).
     */
    long dropped() {
        return dropped;
    }

    private void backOff(long id, Tracked one, long nowMs) {
        one.stage = Stage.WAITING;
        due.add(new Due(nowMs + one.backoffMs, id));
        one.backoffMs = Math.min(MAX_BACKOFF_MS, one.backoffMs * 2);
    }
}
