package io.wharf.client.producer;

/** Told once whether a sent record was acknowledged. Runs on the producer's sender thread: keep it short. */
@FunctionalInterface
public interface Callback {

    /**
     * @param metadata where the record landed, or null when it failed
     * @param exception why it failed, or null when it was acknowledged
     */
    void onCompletion(RecordMetadata metadata, Exception exception);
}
