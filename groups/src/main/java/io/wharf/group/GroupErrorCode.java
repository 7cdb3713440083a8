package io.wharf.group;

/**
 * Every error the group coordinator answers with. Stable names; the broker maps them to wire
 * codes. A request answered with any of these changed nothing.
 */
public enum GroupErrorCode {

    /** The request is malformed: a required field is missing or two fields contradict each other. */
    INVALID_REQUEST(false),
    /** The group id is empty, blank or longer than {@link GroupErrorCode#MAX_GROUP_ID_LENGTH} characters. */
    INVALID_GROUP_ID(false),
    /** No group has this id (it was never created or it was deleted). */
    GROUP_ID_NOT_FOUND(false),
    /** The group has no member with this id (a leave or commit from a member that is gone). */
    UNKNOWN_MEMBER_ID(false),
    /** The member epoch is one the coordinator does not know: drop every partition and rejoin with epoch 0. */
    FENCED_MEMBER_EPOCH(false),
    /** The member epoch is older than the partition's assignment: heartbeat, then retry with the new epoch. */
    STALE_MEMBER_EPOCH(true),
    /** The static instance id belongs to another member than the one named in the request. */
    FENCED_INSTANCE_ID(false),
    /** The static instance id is still held by a member that has not left: stop it or wait for its session timeout. */
    UNRELEASED_INSTANCE_ID(true),
    /** The subscription regex does not compile as a java.util.regex pattern. */
    INVALID_REGULAR_EXPRESSION(false),
    /** The member asked for a server assignor the coordinator does not have. */
    UNSUPPORTED_ASSIGNOR(false),
    /** The operation needs a group without members (delete group, admin offset commit). */
    NON_EMPTY_GROUP(false),
    /** Offsets of a topic cannot be deleted while a member of the group subscribes to it. */
    GROUP_SUBSCRIBED_TO_TOPIC(false),
    /** The committed offset, topic or partition is out of range (negative offset or partition, empty topic). */
    INVALID_COMMIT_OFFSET(false),
    /** The commit's metadata string is longer than the coordinator allows. */
    OFFSET_METADATA_TOO_LARGE(false),
    /** The member committed an offset for a partition that is not assigned to it. */
    PARTITION_NOT_ASSIGNED(false);

    /** The longest group id accepted. */
    public static final int MAX_GROUP_ID_LENGTH = 255;

    private final boolean retriable;

    GroupErrorCode(boolean retriable) {
        this.retriable = retriable;
    }

    /** True when the same request may succeed later without the client changing anything but waiting. */
    public boolean retriable() {
        return retriable;
    }
}
