package io.wharf.record;

/** Meaning of record timestamps in a batch (attribute bit 3). Immutable. */
public enum TimestampType {
    /** Timestamps were set by the producer. */
    CREATE_TIME,
    /** Timestamps were set by the broker when it appended the batch. */
    LOG_APPEND_TIME
}
