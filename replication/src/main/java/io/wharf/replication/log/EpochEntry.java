package io.wharf.replication.log;

/** One leader epoch and the first offset written in it. Immutable. */
public record EpochEntry(int epoch, long startOffset) {
}
