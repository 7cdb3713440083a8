package io.wharf.replication.log;

import io.wharf.config.TopicConfigKeys;
import io.wharf.proto.common.ErrorCode;

/** A batch larger than {@code max.message.bytes} was offered; nothing was appended. Immutable. */
public final class RecordTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RecordTooLargeException(int batchSize, int maxMessageBytes) {
        super("batch of " + batchSize + " bytes exceeds " + TopicConfigKeys.MAX_MESSAGE_BYTES.name() + "=" + maxMessageBytes
                + "; send smaller batches or raise " + TopicConfigKeys.MAX_MESSAGE_BYTES.name());
    }

    public ErrorCode errorCode() {
        return ErrorCode.RECORD_TOO_LARGE;
    }
}
