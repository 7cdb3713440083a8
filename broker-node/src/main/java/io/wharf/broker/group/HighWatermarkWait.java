package io.wharf.broker.group;

import io.wharf.broker.partition.Partition;
import io.wharf.proto.common.ErrorCode;
import io.wharf.replication.replica.ReplicationException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Completes once a led partition's high watermark reaches an offset: a group read computed from
 * the leader's state is held until every record that state came from is committed, so no answer
 * shows what a failover could still take back. Fails with NOT_LEADER when the leadership goes,
 * and with REQUEST_TIMED_OUT after the timeout. Stateless; the waiting is done by the partition's
 * change listeners, which run on whichever thread changes the partition.
 */
final class HighWatermarkWait {

    private HighWatermarkWait() {
    }

    static CompletableFuture<Void> until(Partition partition, long offset, ScheduledExecutorService timer,
                                         Duration timeout) {
        CompletableFuture<Void> committed = new CompletableFuture<>();
        check(partition, offset, committed);
        if (!committed.isDone()) {
            var expiry = timer.schedule(() -> committed.completeExceptionally(new ReplicationException(
                    ErrorCode.REQUEST_TIMED_OUT, partition.topicPartition() + " did not commit up to offset " + offset
                    + " within " + timeout.toMillis() + " ms")), timeout.toMillis(), TimeUnit.MILLISECONDS);
            committed.whenComplete((done, failure) -> expiry.cancel(false));
        }
        return committed;
    }

    private static void check(Partition partition, long offset, CompletableFuture<Void> committed) {
        if (committed.isDone()) {
            return;
        }
        if (!partition.isLeader()) {
            committed.completeExceptionally(new ReplicationException(ErrorCode.NOT_LEADER, "this broker no longer "
                    + "leads " + partition.topicPartition()));
            return;
        }
        // Listen before looking, so that a move between the two still wakes us.
        partition.onNextChange(() -> check(partition, offset, committed));
        if (partition.highWatermark() >= offset) {
            committed.complete(null);
        }
    }
}
