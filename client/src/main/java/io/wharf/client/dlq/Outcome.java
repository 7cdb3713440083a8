package io.wharf.client.dlq;

/** How a message ended in a dead-letter loop; either way it may now be committed or acked. */
public enum Outcome {
    /** The processor succeeded. */
    PROCESSED,
    /** Its dead letter is acknowledged. */
    DEAD_LETTERED
}
