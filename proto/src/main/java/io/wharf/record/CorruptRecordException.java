package io.wharf.record;

import io.wharf.proto.common.ErrorCode;

/**
 * A record batch (or a buffer of batches) that does not follow the Kafka v2 layout or fails its
 * CRC. {@link #problem()} says which rule was broken; the message names the offending field and
 * value. Immutable.
 */
public final class CorruptRecordException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Which rule of the format the input broke. */
    public enum Problem {
        /** The stored CRC-32C does not match the bytes from attributes to the end of the batch. */
        CRC_MISMATCH,
        /** The magic byte is not 2. */
        UNSUPPORTED_MAGIC,
        /** The batch claims more bytes than the buffer holds. */
        TRUNCATED,
        /** The batch length is smaller than a batch header or larger than allowed. */
        INVALID_LENGTH,
        /** The record count is negative or disagrees with the records section. */
        INVALID_RECORD_COUNT,
        /** The compression codec id in the attributes is unknown. */
        UNKNOWN_COMPRESSION,
        /** The records section cannot be decoded (bad varint, length, or trailing bytes). */
        MALFORMED_RECORDS
    }

    private final Problem problem;

    public CorruptRecordException(Problem problem, String message) {
        super(problem + ": " + message);
        this.problem = problem;
    }

    public CorruptRecordException(Problem problem, String message, Throwable cause) {
        super(problem + ": " + message, cause);
        this.problem = problem;
    }

    /** The rule that was broken. */
    public Problem problem() {
        return problem;
    }

    /** The wire error code for this failure. */
    public ErrorCode errorCode() {
        return ErrorCode.CORRUPT_RECORD;
    }
}
