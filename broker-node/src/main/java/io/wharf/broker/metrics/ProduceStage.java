package io.wharf.broker.metrics;

import java.util.Locale;

/**
 * A stage of a produce request on the partition leader, the {@code stage} label of
 * {@code wharf_produce_stage_seconds}. The stages follow each other, so their durations add up to
 * about the request's.
 */
public enum ProduceStage {
    /** From the request's arrival until its partition's append starts (waiting for the log). */
    QUEUED,
    /** Writing the batches to the leader's log, without the fsync. */
    APPEND,
    /** Forcing the appended batches to the leader's disk (log.flush.mode=sync). */
    LOCAL_FSYNC,
    /** acks=all: from the durable local append until the high watermark passed it. */
    REPLICATION_WAIT,
    /** From the last partition's result until the response was handed to gRPC. */
    RESPONSE;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The label value, as it appears in the exposition. */
    public String label() {
        return label;
    }
}
