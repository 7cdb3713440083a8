package io.wharf.metadata;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One queue in a {@link MetadataImage}. Its messages live in the single partition of
 * {@code topic} (see {@link QueueNames#topicFor}), which the image holds as any other topic.
 * Immutable.
 *
 * @param name      the queue name
 * @param queueId   a UUID string that tells a re-declared queue from the one deleted before
 * @param arguments the x-arguments as declared, sorted by key
 * @param topic     the internal topic holding the queue's log
 */
public record QueueImage(String name, String queueId, Map<String, String> arguments, String topic) {

    public QueueImage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(queueId, "queueId");
        Objects.requireNonNull(topic, "topic");
        arguments = Collections.unmodifiableSortedMap(new TreeMap<>(arguments));
    }
}
