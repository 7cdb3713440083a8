package io.wharf.cli.dlq;

import io.wharf.client.ClientException;
import io.wharf.client.TopicPartition;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.dlq.DeadLetterRecord;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Replays the records of a dead-letter topic from given offsets to their log ends (as they were
 * when the replay began): each selected record goes to its {@code error.origin.topic} (or a fixed
 * target) with its key, value and headers, the {@code error.*} ones dropped. A log cannot be
 * settled by deleting from it, so the caller commits {@link #progress} as a consumer group's
 * offsets. Single-threaded; the caller owns the consumer and producer.
 */
public final class TopicReplay {

    private static final Duration POLL = Duration.ofMillis(100);
    private static final String DEATH_HEADER_PREFIX = "error.";

    /** What happened to one record. */
    public enum Status { REPLAYED, PLANNED, SKIPPED, FAILED }

    /**
     * One examined record.
     *
     * @param target the topic it went (or would go) to; null when it has no origin and no target was named
     * @param code for FAILED, the error code
     * @param detail for FAILED, what went wrong
     */
    public record Outcome(int partition, long offset, String key, String cause, String target, Status status,
                          String code, String detail) {
    }

    /**
     * Which records to replay and where.
     *
     * @param reason only records with this {@code error.cause}
     * @param key only records with this key (UTF-8)
     * @param to every record to this topic instead of its origin
     * @param max stop after this many selected records
     * @param topics the topics that exist: a record for another fails without being sent
     */
    public record Selection(Optional<String> reason, Optional<String> key, Optional<String> to, long max,
                            Set<String> topics) {
    }

    private final Consumer reader;
    private final Optional<Producer> producer;
    private final Duration idle;
    private final Duration ackTimeout;

    /**
     * @param reader assigned to the dead-letter topic's partitions
     * @param producer where to replay; empty for a dry run
     * @param idle stop once this passed without a record
     * @param ackTimeout how long a replayed record may take to be acknowledged
     */
    public TopicReplay(Consumer reader, Optional<Producer> producer, Duration idle, Duration ackTimeout) {
        this.reader = reader;
        this.producer = producer;
        this.idle = idle;
        this.ackTimeout = ackTimeout;
    }

    /**
     * Reads each partition from {@code from} (the log start where absent) to its end and replays
     * what {@code selection} selects; returns every examined record, by partition then offset.
     */
    public List<Outcome> run(String topic, Map<TopicPartition, Long> from, Selection selection) {
        List<TopicPartition> partitions = reader.partitionsFor(topic);
        reader.assign(partitions);
        Map<TopicPartition, Long> starts = reader.beginningOffsets(partitions);
        Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
        for (TopicPartition tp : partitions) {
            // a committed offset below the log start names records retention already deleted
            reader.seek(tp, Math.max(starts.get(tp), from.getOrDefault(tp, starts.get(tp))));
        }
        List<Pending> pending = new ArrayList<>();
        long selected = 0;
        long idleSince = System.nanoTime();
        reading:
        while (partitions.stream().anyMatch(tp -> reader.position(tp) < ends.get(tp))
                && System.nanoTime() - idleSince < idle.toNanos()) {
            List<ConsumerRecord> polled = reader.poll(POLL);
            if (!polled.isEmpty()) {
                idleSince = System.nanoTime();
            }
            for (ConsumerRecord record : polled) {
                if (record.offset() >= ends.get(new TopicPartition(record.topic(), record.partition()))) {
                    continue; // dead-lettered after the replay began: the next replay takes it
                }
                Pending p = examine(record, selection);
                pending.add(p);
                if (p.status == Status.PLANNED && ++selected >= selection.max()) {
                    break reading;
                }
            }
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Pending p : pending) {
            outcomes.add(p.settle());
        }
        outcomes.sort(Comparator.comparingInt(Outcome::partition).thenComparingLong(Outcome::offset));
        return outcomes;
    }

    /**
     * The offsets to commit so that the next replay starts after what this one settled: per
     * partition, the first record that failed, else the one after the last examined. Records a
     * filter passed over count as settled.
     */
    public static Map<TopicPartition, Long> progress(String topic, List<Outcome> outcomes) {
        Map<TopicPartition, Long> next = new LinkedHashMap<>();
        Map<TopicPartition, Boolean> stopped = new LinkedHashMap<>();
        for (Outcome o : outcomes) {
            TopicPartition tp = new TopicPartition(topic, o.partition());
            if (stopped.getOrDefault(tp, false)) {
                continue;
            }
            if (o.status() == Status.FAILED) {
                next.put(tp, o.offset());
                stopped.put(tp, true);
            } else {
                next.put(tp, o.offset() + 1);
            }
        }
        return next;
    }

    private Pending examine(ConsumerRecord record, Selection selection) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        String cause = TopicDeadLetterView.cause(record);
        String target = selection.to().orElse(TopicDeadLetterView.header(record, DeadLetterRecord.ORIGIN_TOPIC));
        Pending p = new Pending(record, key, cause, target);
        if (selection.reason().filter(r -> !r.equals(cause)).isPresent()
                || selection.key().filter(k -> record.key() == null
                        || !Arrays.equals(record.key(), k.getBytes(StandardCharsets.UTF_8))).isPresent()) {
            p.status = Status.SKIPPED;
        } else if (target == null) {
            p.fail("NO_ORIGIN", "it has no " + DeadLetterRecord.ORIGIN_TOPIC + " header; name a target with --to");
        } else if (!selection.topics().contains(target)) {
            p.fail("UNKNOWN_TOPIC", "topic '" + target + "' does not exist; create it or name another with --to");
        } else {
            p.status = Status.PLANNED;
            producer.ifPresent(pr -> p.sent = pr.send(new ProducerRecord(target, null, null, record.key(),
                    record.value(), record.headers().stream().filter(h -> !h.key().startsWith(DEATH_HEADER_PREFIX))
                    .toList())));
        }
        return p;
    }

    /** A record examined, its send (if any) not yet awaited. */
    private final class Pending {
        final ConsumerRecord record;
        final String key;
        final String cause;
        final String target;
        Status status;
        String code;
        String detail;
        CompletableFuture<?> sent;

        Pending(ConsumerRecord record, String key, String cause, String target) {
            this.record = record;
            this.key = key;
            this.cause = cause;
            this.target = target;
        }

        void fail(String failCode, String failDetail) {
            status = Status.FAILED;
            code = failCode;
            detail = failDetail;
        }

        Outcome settle() {
            if (sent != null) {
                try {
                    sent.get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
                    status = Status.REPLAYED;
                } catch (ExecutionException | CompletionException e) {
                    fail(e.getCause() instanceof ClientException c ? c.code().name() : "FAILED",
                            String.valueOf(e.getCause().getMessage()));
                } catch (TimeoutException e) {
                    fail("REQUEST_TIMED_OUT", "not acknowledged within " + ackTimeout);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail("INTERRUPTED", "interrupted before it was acknowledged");
                }
            }
            return new Outcome(record.partition(), record.offset(), key, cause, target, status, code, detail);
        }
    }
}
