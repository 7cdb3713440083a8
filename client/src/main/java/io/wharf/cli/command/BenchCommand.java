package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.CliException;
import io.wharf.cli.Json;
import io.wharf.cli.bench.BenchResult;
import io.wharf.cli.bench.LatencyRecorder;
import io.wharf.cli.bench.ProgressWindow;
import io.wharf.cli.bench.Throttle;
import io.wharf.client.TopicPartition;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerConfig;
import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.consumer.OffsetResetPolicy;
import io.wharf.client.consumer.RebalanceListener;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.record.CompressionType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code wharf bench produce|consume}, after Kafka's kafka-producer-perf-test and
 * kafka-consumer-perf-test: one summary line (or {@code --json}) with records/s, MB/s and
 * latency avg, p50, p95, p99, p99.9 and max; the producer also prints a line per reporting
 * window on stderr (stdout stays one result). Single-threaded (plus the producer's sender thread).
 * {@code wharf bench group-leave} is {@link GroupLeaveBench}, {@code wharf bench queue} {@link QueueBench}.
 */
@Command(name = BenchCommand.NAME, description = "Measure produce or consume throughput and latency, or group reassignment.",
        subcommands = {BenchCommand.ProduceBench.class, BenchCommand.ConsumeBench.class, GroupLeaveBench.class,
                QueueBench.class})
public final class BenchCommand implements Runnable {

    /** The command's name on the command line; a constant, so that finding the command named needs no reflection. */
    public static final String NAME = "bench";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a subcommand: produce, consume, group-leave or queue");
    }

    /**
     * Sends {@code --records} records of {@code --record-size} random bytes (no key); latency is
     * send to acknowledgement. With {@code --warmup-records N}, as Kafka's ProducerPerformance, a
     * second line reports the records after the first N alone ("steady state"): the client's and
     * brokers' JIT has compiled the path by then, so it compares like with like.
     */
    @Command(name = "produce", description = "Send records as fast as allowed and report throughput and latency.")
    public static final class ProduceBench implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BrokerBootstrapOption bootstrap;
        @Option(names = "--topic", required = true, paramLabel = "T", description = "Topic to write to.")
        String topic;
        @Option(names = "--records", required = true, paramLabel = "N", description = "Records to send.")
        long records;
        @Option(names = "--record-size", required = true, paramLabel = "B", description = "Value size in bytes.")
        int recordSize;
        @Option(names = "--throughput", defaultValue = "-1", paramLabel = "T",
                description = "Records per second to aim for; -1 for as fast as possible (default ${DEFAULT-VALUE}).")
        double throughput;
        @Option(names = "--acks", defaultValue = "all", paramLabel = "all|1|0",
                description = "Acknowledgement to wait for (default ${DEFAULT-VALUE}).")
        String acks;
        @Option(names = "--batch-size", defaultValue = "16384", paramLabel = "S",
                description = "batch.size: bytes per partition batch (default ${DEFAULT-VALUE}).")
        int batchSize;
        @Option(names = "--linger-ms", defaultValue = "5", paramLabel = "L",
                description = "linger.ms: how long a batch waits to fill (default ${DEFAULT-VALUE}).")
        long lingerMs;
        @Option(names = "--compression", defaultValue = "none", paramLabel = "TYPE",
                description = "none, gzip, snappy, lz4 or zstd (default ${DEFAULT-VALUE}).")
        String compression;
        @Option(names = "--warmup-records", defaultValue = "0", paramLabel = "N",
                description = "Also report the records after the first N on their own, as steady state "
                        + "(default ${DEFAULT-VALUE}).")
        long warmupRecords;
        @Option(names = "--reporting-interval-ms", defaultValue = "5000", paramLabel = "MS",
                description = "Print a progress line on stderr this often; 0 for none (default ${DEFAULT-VALUE}).")
        long reportingIntervalMs;
        @Option(names = "--key-space", defaultValue = "0", paramLabel = "K",
                description = "Give record i the key \"key-<i mod K>\", so a compacted topic has K live keys; "
                        + "0 sends records without keys (default ${DEFAULT-VALUE}).")
        long keySpace;

        public ProduceBench(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            if (records < 1 || recordSize < 0 || batchSize < 1 || lingerMs < 0 || reportingIntervalMs < 0
                    || warmupRecords < 0 || warmupRecords >= records || keySpace < 0) {
                throw new IllegalArgumentException("--records must be >= 1, --record-size >= 0, --batch-size >= 1, "
                        + "--linger-ms >= 0, --reporting-interval-ms >= 0, --key-space >= 0 and --warmup-records in"
                        + " [0, --records)");
            }
            ProducerConfig config = ProducerConfig.builder(bootstrap.endpoints(env)).acks(ProducerConfig.parseAcks(acks))
                    .batchSize(batchSize).linger(Duration.ofMillis(lingerMs))
                    .compression(CompressionType.forName(compression)).maxBlock(Duration.ofSeconds(30)).build();
            byte[] payload = new byte[recordSize];
            new Random(1).nextBytes(payload);
            LatencyRecorder latencies = new LatencyRecorder();
            LatencyRecorder steadyLatencies = new LatencyRecorder();
            AtomicLong steadyAcknowledged = new AtomicLong();
            long steadyStart = 0;
            ProgressWindow window = new ProgressWindow();
            AtomicLong acknowledged = new AtomicLong();
            AtomicLong lastAckNanos = new AtomicLong();
            AtomicReference<Exception> firstError = new AtomicReference<>();
            Throttle throttle = new Throttle(throughput);
            long start;
            try (Producer producer = new Producer(config, env.channels())) {
                producer.partitionCount(topic);
                start = System.nanoTime();
                long windowStart = start;
                for (long i = 0; i < records; i++) {
                    long now = System.nanoTime();
                    if (reportingIntervalMs > 0 && now - windowStart >= reportingIntervalMs * 1_000_000) {
                        env.err().println(window.drain(now - windowStart, "sent"));
                        windowStart = now;
                    }
                    long delay = throttle.delayNanos(i, now - start);
                    if (delay > 0) {
                        LockSupport.parkNanos(delay);
                    }
                    long sentAt = System.nanoTime();
                    boolean steady = i >= warmupRecords;
                    if (i == warmupRecords) {
                        steadyStart = sentAt;
                    }
                    byte[] key = keySpace == 0 ? null : ("key-" + i % keySpace).getBytes(StandardCharsets.UTF_8);
                    producer.send(new ProducerRecord(topic, key, payload), (metadata, error) -> {
                        long ackedAt = System.nanoTime();
                        if (error != null) {
                            firstError.compareAndSet(null, error);
                            return;
                        }
                        long micros = (ackedAt - sentAt) / 1000;
                        latencies.record(micros);
                        if (steady) {
                            steadyLatencies.record(micros);
                            steadyAcknowledged.incrementAndGet();
                        }
                        window.record(recordSize, micros);
                        acknowledged.incrementAndGet();
                        lastAckNanos.accumulateAndGet(ackedAt, Math::max);
                    });
                }
                producer.flush();
            }
            BenchResult result = new BenchResult(acknowledged.get(), acknowledged.get() * recordSize,
                    Math.max(1, lastAckNanos.get() - start), latencies.summary());
            if (warmupRecords == 0) {
                print(env, json, result, "sent");
            } else {
                BenchResult steadyState = new BenchResult(steadyAcknowledged.get(),
                        steadyAcknowledged.get() * recordSize, Math.max(1, lastAckNanos.get() - steadyStart),
                        steadyLatencies.summary());
                if (json.enabled()) {
                    Map<String, Object> both = new LinkedHashMap<>(result.toJson());
                    both.put("steady_state", steadyState.toJson());
                    Json.print(env.out(), both);
                } else {
                    env.out().println(result.toText("sent"));
                    env.out().println(steadyState.toText("steady state records", "sent"));
                }
            }
            if (firstError.get() != null) {
                throw new CliException("FAILED", (records - acknowledged.get()) + " of " + records
                        + " records failed; first: " + firstError.get().getMessage());
            }
        }
    }

    /**
     * Reads {@code --records} records from the beginning of every partition; latency is the time
     * from a record's timestamp to its arrival (meaningful while a producer writes concurrently).
     * With {@code --group} it reads as a new member of that group (as Kafka's ConsumerPerformance
     * does), the elapsed time includes joining, and a second line gives the time from subscribing
     * to the first record; the offsets read are committed at the end.
     */
    @Command(name = "consume", description = "Read records from the beginning and report throughput and latency.")
    public static final class ConsumeBench implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BrokerBootstrapOption bootstrap;
        @Option(names = "--topic", required = true, paramLabel = "T", description = "Topic to read.")
        String topic;
        @Option(names = "--records", required = true, paramLabel = "N", description = "Records to read.")
        long records;
        @Option(names = "--timeout-ms", defaultValue = "60000", paramLabel = "T",
                description = "Give up when no record came for T ms (default ${DEFAULT-VALUE}).")
        long timeoutMs;
        @Option(names = "--group", paramLabel = "G",
                description = "Read as a new member of consumer group G (from its committed offsets, else the "
                        + "beginning) and also report the time from joining to the first record.")
        String group;

        public ConsumeBench(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            if (records < 1 || timeoutMs < 1) {
                throw new IllegalArgumentException("--records and --timeout-ms must be at least 1");
            }
            ConsumerConfig.Builder builder = ConsumerConfig.builder(bootstrap.endpoints(env))
                    .autoOffsetReset(OffsetResetPolicy.EARLIEST).maxPollRecords(10_000);
            if (group != null) {
                builder.groupId(group);
            }
            LatencyRecorder latencies = new LatencyRecorder();
            long read = 0;
            long bytes = 0;
            long start;
            long end;
            long firstRecord = -1;
            try (Consumer consumer = new Consumer(builder.build(), env.channels())) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic);
                start = System.nanoTime();
                if (group == null) {
                    consumer.assign(partitions);
                    consumer.seekToBeginning(partitions);
                } else {
                    consumer.subscribe(List.of(topic), new RebalanceListener() { });
                }
                end = start;
                long lastRecordAt = System.currentTimeMillis();
                while (read < records && System.currentTimeMillis() - lastRecordAt < timeoutMs) {
                    List<ConsumerRecord> batch = consumer.poll(Duration.ofMillis(100));
                    long nowMs = System.currentTimeMillis();
                    for (ConsumerRecord record : batch) {
                        if (read == records) {
                            break;
                        }
                        read++;
                        bytes += record.value() == null ? 0 : record.value().length;
                        latencies.record(Math.max(0, nowMs - record.timestamp()) * 1000);
                    }
                    if (!batch.isEmpty()) {
                        lastRecordAt = nowMs;
                        end = System.nanoTime();
                        firstRecord = firstRecord < 0 ? end : firstRecord;
                    }
                }
                if (group != null && read > 0) {
                    consumer.commitSync();
                }
            }
            BenchResult result = new BenchResult(read, bytes, Math.max(1, end - start), latencies.summary());
            if (group == null) {
                print(env, json, result, "read");
            } else {
                double joinMs = firstRecord < 0 ? -1 : (firstRecord - start) / 1e6;
                if (json.enabled()) {
                    Map<String, Object> out = new LinkedHashMap<>(result.toJson());
                    out.put("first_record_ms", Math.round(joinMs * 10) / 10.0);
                    Json.print(env.out(), out);
                } else {
                    env.out().println(result.toText("read"));
                    env.out().printf(Locale.ROOT, "first record %.1f ms after subscribing to group %s "
                            + "(join, assignment, committed-offset lookup, first fetch)%n", joinMs, group);
                }
            }
            if (read < records) {
                throw new CliException("REQUEST_TIMED_OUT", "only " + read + " of " + records
                        + " records arrived before none came for " + timeoutMs + " ms");
            }
        }
    }

    private static void print(CliEnvironment env, JsonOption json, BenchResult result, String verb) {
        if (json.enabled()) {
            Json.print(env.out(), result.toJson());
        } else {
            env.out().println(result.toText(verb));
        }
    }
}
