package io.wharf.broker;

import io.wharf.broker.partition.LeaderReads;
import io.wharf.broker.partition.LongPoll;
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

/**
 * Serves {@code Fetch}: whole batches below each partition's high watermark, at most
 * {@code max_bytes} over all partitions (but at least one batch), long-polling up to
 * {@code max_wait_ms} while fewer than {@code min_bytes} are available and no partition failed.
 * Thread-safe; waits are re-evaluated on the given executor (see {@link LongPoll}).
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
        List<Partition> watch = new ArrayList<>();
        for (FetchPartition asked : request.getPartitionsList()) {
            try {
                watch.add(lookup.leader(asked.getTopic(), asked.getPartition()));
            } catch (RuntimeException e) {
                // Not led here: the evaluation answers its error at once.
            }
        }
        long maxWait = request.getMinBytes() > 0 ? request.getMaxWaitMs() : 0;
        return LongPoll.start(executor, watch, maxWait, () -> evaluate(request));
    }

    private LongPoll.Attempt<FetchResponse> evaluate(FetchRequest request) {
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
                    ReadResult read = LeaderReads.read(partition, asked.getFetchOffset(),
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
        return new LongPoll.Attempt<>(response.build(), anyError || bytes >= request.getMinBytes());
    }
}
