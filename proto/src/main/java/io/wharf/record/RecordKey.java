package io.wharf.record;

/**
 * What log compaction needs of a record, decoded without copying its value or headers: its
 * offset, timestamp, key and whether it is a tombstone. Immutable (the key array is not copied;
 * do not change it).
 *
 * @param offset    the record's absolute offset
 * @param timestamp its absolute timestamp
 * @param key       its key, null when it has none
 * @param tombstone whether its value is null
 */
public record RecordKey(long offset, long timestamp, byte[] key, boolean tombstone) {
}
