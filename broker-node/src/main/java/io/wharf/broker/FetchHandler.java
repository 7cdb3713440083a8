package io.wharf.broker;

import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.broker.partition.ReadResult;
import io.wharf.proto.broker.FetchPartition;
import io.wharf.proto.broker.FetchPartitionResult;
import io.wharf.proto.broker.FetchRequest;
import io.wharf.proto.broker.FetchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Serves {@code Fetch}: whole batches below each partition's high watermark, at most
 * {@code max_bytes} over all partitions (but at least one batch), long-polling up to
 * {@code max_wait_ms} while fewer than {@code min_bytes} are available and no partition failed.
 * A waiting fetch is re-read when a requested partition's HW moves, and answered at its deadline
 * with whatever is there. Thread-safe; waits are re-evaluated on the given executor.
 */
final class FetchHandler {

    /** Used when a request leaves max_bytes (50 MiB, Kafka's fetch.max.bytes) unset. */
    static final int DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
    /** Used when a partition leaves partition_max_bytes (1 MiB, Kafka's max.partition.fetch.bytes) unset. */
    static final int DEFAULT_PARTITION_MAX_BYTES = 1024 * 1024;

    private final PartitionLookup lookup;
    private final ScheduledExecutorService executor;

    FetchHandler(PartitionLookup lookup, ScheduledExecutorService executor) {
        this.lookup = lookup;
        this.executor = executor;
    }

    CompletableFuture<FetchResponse> fetch(FetchRequest request) {
        PendingFetch pending = new PendingFetch(request);
        pending.start();
        return pending.answer;
    }

    private record Evaluation(FetchResponse response, int bytes, boolean anyError) {
    }

    /** One fetch until it is answered; its state is guarded by {@code done} and the executor. */
    private final class PendingFetch {
        private final FetchRequest request;
        private final CompletableFuture<FetchResponse> answer = new CompletableFuture<>();
        private final AtomicBoolean done = new AtomicBoolean();
        private final List<Partition> watched = new ArrayList<>();
        private final List<Runnable> wakers = new ArrayList<>();
        private volatile ScheduledFuture<?> deadline;

        PendingFetch(FetchRequest request) {
            this.request = request;
        }

        void start() {
            boolean mayWait = request.getMaxWaitMs() > 0 && request.getMinBytes() > 0;
            if (mayWait) {
                // Watch before the first read, so an HW move between the two is not missed.
                synchronized (this) {
                    for (FetchPartition asked : request.getPartitionsList()) {
                        try {
                            Partition partition = lookup.leader(asked.getTopic(), asked.getPartition());
                            Runnable waker = () -> wake(partition);
                            watched.add(partition);
                            wakers.add(waker);
                            partition.onNextHighWatermarkChange(waker);
                        } catch (RuntimeException e) {
                            // Answered with its error by the read below.
                        }
                    }
                }
            }
            Evaluation first = evaluate();
            if (!mayWait || first.anyError() || first.bytes() >= request.getMinBytes()) {
                complete(first);
                return;
            }
            deadline = executor.schedule(() -> complete(evaluate()), request.getMaxWaitMs(), TimeUnit.MILLISECONDS);
            if (done.get()) {
                deadline.cancel(false);
            }
        }

        private void wake(Partition partition) {
            if (done.get()) {
                return;
            }
            executor.execute(() -> {
                if (done.get()) {
                    return;
                }
                Evaluation now = evaluate();
                if (now.anyError() || now.bytes() >= request.getMinBytes()) {
                    complete(now);
                } else {
                    synchronized (this) {
                        int index = watched.indexOf(partition);
                        if (index >= 0 && !done.get()) {
                            partition.onNextHighWatermarkChange(wakers.get(index));
                        }
                    }
                }
            });
        }

        private void complete(Evaluation evaluation) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            ScheduledFuture<?> timer = deadline;
            if (timer != null) {
                timer.cancel(false);
            }
            synchronized (this) {
                for (int i = 0; i < watched.size(); i++) {
                    watched.get(i).removeHighWatermarkListener(wakers.get(i));
                }
            }
            answer.complete(evaluation.response());
        }

        private Evaluation evaluate() {
            int remaining = request.getMaxBytes() > 0 ? request.getMaxBytes() : DEFAULT_MAX_BYTES;
            int bytes = 0;
            boolean anyError = false;
            FetchResponse.Builder response = FetchResponse.newBuilder();
            for (FetchPartition asked : request.getPartitionsList()) {
                FetchPartitionResult.Builder result = FetchPartitionResult.newBuilder()
                        .setTopic(asked.getTopic()).setPartition(asked.getPartition());
                try {
                    Partition partition = lookup.leader(asked.getTopic(), asked.getPartition());
                    int partitionMax = asked.getPartitionMaxBytes() > 0 ? asked.getPartitionMaxBytes()
                            : DEFAULT_PARTITION_MAX_BYTES;
                    if (remaining <= 0 && bytes > 0) {
                        // Over the request's budget: report offsets only; the client asks again.
                        long hw = partition.leaderHighWatermark(asked.getCurrentLeaderEpoch());
                        result.setHighWatermark(hw).setLogStartOffset(partition.log().logStartOffset());
                    } else {
                        ReadResult read = partition.read(asked.getFetchOffset(),
                                Math.min(partitionMax, Math.max(1, remaining)), asked.getCurrentLeaderEpoch());
                        result.setHighWatermark(read.highWatermark()).setLogStartOffset(read.logStartOffset())
                                .setRecords(read.records());
                        bytes += read.records().size();
                        remaining -= read.records().size();
                    }
                    result.setError(PartitionLookup.none());
                } catch (RuntimeException e) {
                    anyError = true;
                    result.setError(lookup.toError(e, asked.getTopic(), asked.getPartition()))
                            .setHighWatermark(-1).setLogStartOffset(-1);
                }
                response.addPartitions(result);
            }
            return new Evaluation(response.build(), bytes, anyError);
        }
    }
}
