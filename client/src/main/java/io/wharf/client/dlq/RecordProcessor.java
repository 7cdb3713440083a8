package io.wharf.client.dlq;

import io.wharf.client.consumer.ConsumerRecord;

/** The application's work on one record; throwing means the attempt failed. */
@FunctionalInterface
public interface RecordProcessor {

    /**
     * Processes {@code record}; may be called again for the same record after a failure.
     *
     * @throws Exception when this attempt failed
     */
    void process(ConsumerRecord record) throws Exception;
}
