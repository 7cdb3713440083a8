package io.wharf.client.consumer;

/**
 * The first offset whose record has a timestamp at or after the one asked for. Immutable.
 *
 * @param offset the offset
 * @param timestamp the timestamp the broker reported for it
 */
public record OffsetAndTimestamp(long offset, long timestamp) {
}
