package io.wharf.replication.log;

import io.wharf.proto.common.ErrorCode;

/** A batch larger than {@code max.message.bytes} was offered; nothing was appended. Immutable. */
public final class RecordTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RecordTooLargeException(int batchSize, int maxMessageBytes) {
        super("batch of " + batchSize + " bytes exceeds " + LogConfig.MAX_MESSAGE_BYTES + "=" + maxMessageBytes
                + "; send smaller batches or raise " + LogConfig.MAX_MESSAGE_BYTES);
    }

    public ErrorCode errorCode() {
        return ErrorCode.RECORD_TOO_LARGE;
    }
}
