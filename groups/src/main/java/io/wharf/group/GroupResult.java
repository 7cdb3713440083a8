package io.wharf.group;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;

/**
 * What one coordinator operation does: the records to append (and replay) and the answer for its
 * caller, or a rejection with no records. The caller appends the records, replays them into the
 * coordinator, and answers once they are committed. Immutable.
 *
 * @param <T> the answer's type
 */
public final class GroupResult<T> {

    private final List<GroupRecord> records;
    private final T response;
    private final GroupError error;

    private GroupResult(List<GroupRecord> records, T response, GroupError error) {
        this.records = List.copyOf(records);
        this.response = response;
        this.error = error;
    }

    /** A success with its records (possibly none) and answer. */
    public static <T> GroupResult<T> ok(List<GroupRecord> records, T response) {
        return new GroupResult<>(records, Objects.requireNonNull(response, "response"), null);
    }

    /** A rejection: no records. */
    public static <T> GroupResult<T> rejected(GroupErrorCode code, String message) {
        return new GroupResult<>(List.of(), null, new GroupError(code, message));
    }

    /** The records to append, in order; empty for a rejection. */
    public List<GroupRecord> records() {
        return records;
    }

    /** The error, empty on success. */
    public Optional<GroupError> error() {
        return Optional.ofNullable(error);
    }

    /** True when the operation succeeded. */
    public boolean isOk() {
        return error == null;
    }

    /**
     * The answer.
     *
     * @throws NoSuchElementException when the operation was rejected
     */
    public T response() {
        if (error != null) {
            throw new NoSuchElementException("rejected with " + error.code() + ": " + error.message());
        }
        return response;
    }

    @Override
    public String toString() {
        return error != null ? "rejected " + error : "ok " + response + " with " + records.size() + " records";
    }
}
