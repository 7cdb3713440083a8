package io.wharf.client.consumer;

import io.wharf.client.ClientException;
import io.wharf.client.TopicPartition;
import java.util.Map;

/** Told how a {@link Consumer#commitAsync} ended; runs on the thread calling poll, commitSync or close. */
@FunctionalInterface
public interface CommitCallback {

    /**
     * @param offsets the committed offsets (next offset to consume per partition)
     * @param failure null when the commit succeeded, else why not
     */
    void onComplete(Map<TopicPartition, Long> offsets, ClientException failure);
}
