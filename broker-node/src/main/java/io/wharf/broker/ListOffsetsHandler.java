package io.wharf.broker;

import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.proto.broker.ListOffsetsPartition;
import io.wharf.proto.broker.ListOffsetsPartitionResult;
import io.wharf.proto.broker.ListOffsetsRequest;
import io.wharf.proto.broker.ListOffsetsResponse;
import io.wharf.proto.common.ErrorCode;
import io.wharf.replication.log.TimestampOffset;
import io.wharf.replication.replica.ReplicationException;

/**
 * Serves {@code ListOffsets} on the leader: -2 the log start offset, -1 the high watermark, any
 * other timestamp the first offset below the HW whose record timestamp is at least it (-1 when
 * none). Thread-safe.
 */
final class ListOffsetsHandler {

    static final long EARLIEST = -2;
    static final long LATEST = -1;

    private final PartitionLookup lookup;

    ListOffsetsHandler(PartitionLookup lookup) {
        this.lookup = lookup;
    }

    ListOffsetsResponse listOffsets(ListOffsetsRequest request) {
        ListOffsetsResponse.Builder response = ListOffsetsResponse.newBuilder();
        for (ListOffsetsPartition asked : request.getPartitionsList()) {
            ListOffsetsPartitionResult.Builder result = ListOffsetsPartitionResult.newBuilder()
                    .setTopic(asked.getTopic()).setPartition(asked.getPartition());
            try {
                answer(asked, result);
                result.setError(PartitionLookup.none());
            } catch (RuntimeException e) {
                result.clearOffset().clearTimestamp().clearLeaderEpoch()
                        .setOffset(-1).setTimestamp(-1).setLeaderEpoch(-1)
                        .setError(lookup.toError(e, asked.getTopic(), asked.getPartition()));
            }
            response.addPartitions(result);
        }
        return response.build();
    }

    private void answer(ListOffsetsPartition asked, ListOffsetsPartitionResult.Builder result) {
        Partition partition = lookup.leader(asked.getTopic(), asked.getPartition());
        long hw = partition.leaderHighWatermark(asked.getCurrentLeaderEpoch());
        result.setLeaderEpoch(partition.leaderEpoch()).setTimestamp(-1);
        long timestamp = asked.getTimestamp();
        if (timestamp == EARLIEST) {
            result.setOffset(partition.log().logStartOffset());
        } else if (timestamp == LATEST) {
            result.setOffset(hw);
        } else if (timestamp < 0) {
            throw new ReplicationException(ErrorCode.INVALID_REQUEST, "timestamp " + timestamp
                    + " is neither -1 (latest), -2 (earliest) nor a time in milliseconds");
        } else {
            TimestampOffset found = partition.log().offsetForTimestamp(timestamp);
            if (found != null && found.offset() < hw) {
                result.setOffset(found.offset()).setTimestamp(found.timestamp());
            } else {
                result.setOffset(-1);
            }
        }
    }
}
