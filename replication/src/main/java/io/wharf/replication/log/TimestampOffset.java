package io.wharf.replication.log;

/** The first record at or after a searched-for timestamp: its timestamp and offset. Immutable. */
public record TimestampOffset(long timestamp, long offset) {
}
