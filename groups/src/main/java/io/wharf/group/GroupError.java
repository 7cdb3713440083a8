package io.wharf.group;

import java.util.Objects;
import java.util.Optional;

/**
 * A rejected request: its code and a message naming what to fix. Immutable.
 *
 * @param code    the stable code
 * @param message what was wrong and what to do about it
 */
public record GroupError(GroupErrorCode code, String message) {

    public GroupError {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    /** The error for an invalid group id, empty when {@code groupId} is valid. */
    public static Optional<GroupError> checkGroupId(String groupId) {
        if (groupId.isBlank() || groupId.length() > GroupErrorCode.MAX_GROUP_ID_LENGTH) {
            return Optional.of(new GroupError(GroupErrorCode.INVALID_GROUP_ID, "group id '" + groupId
                    + "' is invalid: use 1 to " + GroupErrorCode.MAX_GROUP_ID_LENGTH + " characters, not all blank"));
        }
        return Optional.empty();
    }
}
