package io.wharf.group;

import java.util.Objects;

/**
 * A committed offset of one partition: the value of an offset-commit record. Immutable.
 *
 * @param offset            the next offset to consume
 * @param leaderEpoch       the leader epoch of the last consumed record, -1 when unknown; lets a
 *                          consumer detect that the log was truncated under it
 * @param metadata          free text the committer attached
 * @param commitTimestampMs when it was committed, as the caller's clock says
 */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestampMs) {

    public CommittedOffset {
        Objects.requireNonNull(metadata, "metadata");
    }
}
