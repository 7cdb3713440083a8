package io.wharf.broker.partition;

import com.google.protobuf.ByteString;
import io.wharf.replication.log.EpochEndOffset;
import java.util.Optional;

/**
 * The leader's answer to one follower partition in a ReplicaFetch: either a diverging epoch to
 * truncate to, or batches from the follower's fetch offset, with the high watermark. Immutable.
 */
public record ReplicaFetchResult(ByteString records, long highWatermark, long logStartOffset,
                                 Optional<EpochEndOffset> diverging) {
}
