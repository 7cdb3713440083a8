package io.wharf.broker.partition;

import com.google.protobuf.ByteString;

/**
 * Whole batches read from a partition for a fetch, with the offsets the answer reports. Immutable.
 *
 * @param records        zero or more whole batches
 * @param highWatermark  the leader's high watermark when read
 * @param logStartOffset the first offset a reader may ask for
 */
public record ReadResult(ByteString records, long highWatermark, long logStartOffset) {
}
