package io.wharf.cli.dlq;

import io.wharf.client.queue.PublishOutcome;
import io.wharf.client.queue.QueueDelivery;
import io.wharf.client.queue.QueuePublisher;
import io.wharf.proto.queue.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Moves dead letters back where they came from (or to a named exchange), at least once: each
 * selected dead letter is republished — headers, x-death and body as they are, mandatory, with
 * publisher confirms — and acked in the dead-letter queue only once every republish of it was
 * confirmed. A crash in between leaves it in the dead-letter queue as well (a duplicate on the
 * next replay), never lost. A dead letter not replayed (another reason, no origin, a republish
 * not confirmed) is kept held and goes back to the dead-letter queue when the reader closes; it
 * is not nacked one by one, which would deliver it to this reader again at once.
 *
 * <p>Only the messages ready when the replay starts are examined ({@code examineAtMost}), so a
 * target that routes back to the dead-letter queue does not make it run for ever. Single-threaded;
 * confirms and acks complete on the clients' threads.
 */
public final class DeadLetterReplay {

    /** What became of one examined dead letter. */
    public enum Status {
        /** Republished, confirmed and acked. */
        REPLAYED,
        /** A dry run: it would have been republished to the target. */
        PLANNED,
        /** Not selected (another reason); left in the dead-letter queue. */
        SKIPPED,
        /** Selected and not replayed; left in the dead-letter queue. */
        FAILED
    }

    /**
     * One examined dead letter.
     *
     * @param deliveryTag its id in the dead-letter queue
     * @param reason why it died last
     * @param target where it went or would go; empty when it has no origin
     * @param status what became of it
     * @param code for {@link Status#FAILED}: the error code name (NOT_FOUND, RETURNED, ...); else ""
     * @param detail for {@link Status#FAILED}: why, naming what to fix; else ""
     */
    public record Outcome(long deliveryTag, String reason, Optional<ReplayTarget> target, Status status, String code,
                          String detail) {
    }

    /**
     * Which dead letters to replay.
     *
     * @param examineAtMost how many to look at (the dead-letter queue's ready count when it started)
     * @param maxSelected how many to replay at most
     * @param reason only those that died last for this reason; empty for all
     */
    public record Selection(long examineAtMost, long maxSelected, Optional<String> reason) {
    }

    private final DeadLetterReader reader;
    private final Optional<QueuePublisher> publisher;
    private final Optional<ReplayDestination> to;
    private final Duration idle;
    private final Duration ackTimeout;

    /**
     * @param publisher republishes; empty for a dry run, which settles nothing
     * @param to the target for every message; empty for each message's origin
     * @param idle how long to wait for the next dead letter before ending
     * @param ackTimeout how long an ack may take to be confirmed committed
     */
    public DeadLetterReplay(DeadLetterReader reader, Optional<QueuePublisher> publisher, Optional<ReplayDestination> to,
                            Duration idle, Duration ackTimeout) {
        this.reader = reader;
        this.publisher = publisher;
        this.to = to;
        this.idle = idle;
        this.ackTimeout = ackTimeout;
    }

    /** Examines the dead letters {@code selection} allows and returns what became of each, in queue order. */
    public List<Outcome> run(Selection selection) {
        List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
        long selected = 0;
        while (outcomes.size() < selection.examineAtMost() && selected < selection.maxSelected()) {
            Optional<QueueDelivery> next = reader.next(idle);
            if (next.isEmpty()) {
                break;
            }
            QueueDelivery delivery = next.get();
            String reason = DeadLetterView.lastReason(delivery.message());
            if (selection.reason().isPresent() && !selection.reason().get().equals(reason)) {
                outcomes.add(CompletableFuture.completedFuture(kept(delivery, reason, Optional.empty(), Status.SKIPPED,
                        "", "")));
                continue;
            }
            selected++;
            outcomes.add(replay(delivery, reason));
        }
        return outcomes.stream().map(CompletableFuture::join).toList();
    }

    private CompletableFuture<Outcome> replay(QueueDelivery delivery, String reason) {
        Message message = delivery.message();
        Optional<ReplayTarget> target = to.map(destination -> ReplayTarget.of(destination, message))
                .orElseGet(() -> ReplayTarget.origin(message));
        if (target.isEmpty()) {
            return CompletableFuture.completedFuture(kept(delivery, reason, target, Status.FAILED, "NO_ORIGIN",
                    "it carries no x-first-death-exchange with the x-death entry of its first death, so its "
                            + "origin is unknown; name a target with --to EXCHANGE:ROUTING_KEY"));
        }
        if (publisher.isEmpty()) {
            return CompletableFuture.completedFuture(kept(delivery, reason, target, Status.PLANNED, "", ""));
        }
        ReplayTarget t = target.get();
        List<CompletableFuture<PublishOutcome>> sends = t.routingKeys().stream()
                .map(key -> publisher.get().publish(t.exchange(), key, message, true)).toList();
        return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).thenCompose(ignored -> {
            Optional<PublishOutcome> refused = sends.stream().map(CompletableFuture::join).filter(o -> !o.acked())
                    .findFirst();
            if (refused.isPresent()) {
                PublishOutcome o = refused.get();
                boolean returned = o.status() == PublishOutcome.Status.RETURNED;
                return CompletableFuture.completedFuture(kept(delivery, reason, target, Status.FAILED,
                        returned ? "RETURNED" : o.error().name(), returned
                                ? "the republish to " + t + " routed to no queue; bind a queue or name a target with --to"
                                : "the republish to " + t + " was not confirmed: " + o.error() + ": " + o.message()));
            }
            return delivery.ackSync().orTimeout(ackTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .handle((ok, error) -> error == null
                            ? new Outcome(delivery.deliveryTag(), reason, target, Status.REPLAYED, "", "")
                            : new Outcome(delivery.deliveryTag(), reason, target, Status.FAILED, "ACK_NOT_CONFIRMED",
                                    "republished to " + t + ", but its ack in the dead-letter queue was not confirmed ("
                                            + error + "): it may stay there too and come again on the next replay"));
        });
    }

    /** Leaves {@code delivery} held (it returns to the queue on close) and says why. */
    private Outcome kept(QueueDelivery delivery, String reason, Optional<ReplayTarget> target, Status status,
                         String code, String detail) {
        reader.keep();
        return new Outcome(delivery.deliveryTag(), reason, target, status, code, detail);
    }
}
