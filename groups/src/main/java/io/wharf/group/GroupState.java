package io.wharf.group;

/** A group's state as describe shows it; derived from the group, never stored. */
public enum GroupState {
    /** No members (the group may still hold committed offsets). */
    EMPTY,
    /** The group epoch is ahead of the target assignment's epoch. */
    ASSIGNING,
    /** Some member has not reached the target assignment yet. */
    RECONCILING,
    /** Every member holds its target at the target's epoch. */
    STABLE
}
