package io.wharf.broker.metrics;

import io.wharf.record.Header;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatches;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which topics are dead-letter topics and why their records died, as the SDK's dead-letter loop
 * writes them: a dead-letter topic is named with the SDK's default suffix {@value #SUFFIX}
 * (what {@code wharf dlq list} assumes too), and each dead letter carries an {@value #CAUSE}
 * header. A topic named with another {@code dlq.topic.suffix} is not recognised here.
 */
public final class DeadLetterTopics {

    /** The SDK's default {@code dlq.topic.suffix}. */
    public static final String SUFFIX = "-dlq";
    /** The header naming why a record was dead-lettered. */
    public static final String CAUSE = "error.cause";
    /** The cause counted for a record without an {@value #CAUSE} header. */
    public static final String NO_CAUSE = "";

    private DeadLetterTopics() {
    }

    /** Whether {@code topic} is named like a dead-letter topic: something followed by {@value #SUFFIX}. */
    public static boolean isDeadLetterTopic(String topic) {
        return topic.length() > SUFFIX.length() && topic.endsWith(SUFFIX);
    }

    /**
     * The records of {@code batches} by their {@value #CAUSE} header (its last value; {@link #NO_CAUSE}
     * without one), decompressing as needed. Does not move {@code batches}' position.
     *
     * @throws io.wharf.record.CorruptRecordException if a batch does not decode
     */
    public static Map<String, Long> causes(ByteBuffer batches) {
        Map<String, Long> causes = new TreeMap<>();
        for (RecordBatch batch : RecordBatches.iterate(batches)) {
            if (batch.isControl()) {
                continue;
            }
            for (Record record : batch.records()) {
                causes.merge(cause(record), 1L, Long::sum);
            }
        }
        return causes;
    }

    private static String cause(Record record) {
        String cause = NO_CAUSE;
        for (Header header : record.headers()) {
            if (header.key().equals(CAUSE) && header.value() != null) {
                cause = new String(header.value(), StandardCharsets.UTF_8);
            }
        }
        return cause;
    }
}
