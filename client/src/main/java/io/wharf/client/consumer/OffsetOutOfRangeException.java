package io.wharf.client.consumer;

import io.wharf.client.ClientException;
import io.wharf.client.TopicPartition;
import io.wharf.proto.common.ErrorCode;

/**
 * The position of a partition is below its log start or past its end and
 * {@code auto.offset.reset} is {@code none}; seek elsewhere to go on. Immutable.
 */
public final class OffsetOutOfRangeException extends ClientException {
    private static final long serialVersionUID = 1L;

    private final transient TopicPartition partition;
    private final long offset;

    public OffsetOutOfRangeException(TopicPartition partition, long offset, String brokerMessage) {
        super(ErrorCode.OFFSET_OUT_OF_RANGE, "offset " + offset + " of " + partition + " is out of range: "
                + brokerMessage + " (seek to a valid offset, or set auto.offset.reset to earliest or latest)");
        this.partition = partition;
        this.offset = offset;
    }

    public TopicPartition partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }
}
