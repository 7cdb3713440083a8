package io.wharf.group;

/** Where a member is in reconciling with its target assignment. */
public enum MemberState {
    /** The member holds exactly its target at the target's epoch. */
    STABLE,
    /** The member must give up partitions (pending revocation) before it may move to a newer epoch. */
    UNREVOKED_PARTITIONS,
    /** The member is at the target's epoch but waits for other members to release some of its partitions. */
    UNRELEASED_PARTITIONS
}
