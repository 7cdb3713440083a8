package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.CliException;
import io.wharf.cli.Json;
import io.wharf.cli.bench.BenchResult;
import io.wharf.cli.bench.LatencyRecorder;
import io.wharf.cli.bench.LatencySummary;
import io.wharf.cli.bench.Throttle;
import io.wharf.client.DaemonThreads;
import io.wharf.client.Endpoint;
import io.wharf.client.admin.AdminClient;
import io.wharf.client.admin.AdminClientConfig;
import io.wharf.client.queue.PublishOutcome;
import io.wharf.client.queue.QueueConsumer;
import io.wharf.client.queue.QueueConsumerConfig;
import io.wharf.client.queue.QueuePublisher;
import io.wharf.client.queue.QueuePublisherConfig;
import io.wharf.client.queue.SubscribeOptions;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.ExchangeType;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code wharf bench queue}, after RabbitMQ's PerfTest: producers publish with confirms (each with
 * up to {@code --confirm} unconfirmed) and consumers consume with {@code --prefetch}, acking each
 * message, for {@code --duration} seconds (after {@code --warmup} seconds counted nowhere); then the
 * consumers drain what was confirmed. Reports the publish rate with publish-to-confirm latency and
 * the consume rate with end-to-end latency (publish to delivery: the first 8 bytes of each body carry
 * the publisher's {@link System#nanoTime}, so producers and consumers run in this one process). The queue is declared (and with
 * {@code --exchange}, a direct exchange declared and bound to it by the queue's name) through the
 * controllers first. Producers publish through the queue's leader unless {@code --no-via-leader}
 * (as PerfTest publishes through the RabbitMQ node that declared, and so leads, the queue). The
 * consumers are attached and the publishers connected before the clock starts, as PerfTest sets
 * up its connections before its producers start. Each reporting interval (a second by default, as
 * PerfTest) gets a line on stderr. The bench thread, one thread per producer and the reporter
 * thread are owned by the command; each consumer has its own handler thread.
 */
@Command(name = "queue", description = "Publish to and consume from a queue at once; report rates and latencies.")
public final class QueueBench implements Runnable {

    /** How long the consumers may go without a message while draining before the bench gives up on the rest. */
    private static final Duration DRAIN_IDLE = Duration.ofSeconds(5);
    /** How long a publisher may take to connect to its broker before the bench fails. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BrokerBootstrapOption bootstrap;
    @Option(names = "--controllers", paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Controllers to declare the queue through (default: the local cluster's).")
    String controllers;
    @Option(names = "--queue", defaultValue = "wharf-bench", paramLabel = "Q",
            description = "Queue to use, declared if missing (default ${DEFAULT-VALUE}).")
    String queue;
    @Option(names = "--exchange", defaultValue = "", paramLabel = "X",
            description = "Publish through this direct exchange, bound to the queue (default: the default exchange).")
    String exchange;
    @Option(names = "--rate", defaultValue = "0", paramLabel = "R",
            description = "Messages per second over all producers; 0 for unlimited (default ${DEFAULT-VALUE}).")
    double rate;
    @Option(names = "--size", defaultValue = "1024", paramLabel = "B",
            description = "Body bytes, at least 8 (default ${DEFAULT-VALUE}).")
    int size;
    @Option(names = "--producers", defaultValue = "1", paramLabel = "N", description = "Producers (default ${DEFAULT-VALUE}).")
    int producers;
    @Option(names = "--consumers", defaultValue = "1", paramLabel = "N", description = "Consumers (default ${DEFAULT-VALUE}).")
    int consumers;
    @Option(names = "--prefetch", defaultValue = "1000", paramLabel = "N",
            description = "Prefetch of each consumer (default ${DEFAULT-VALUE}).")
    int prefetch;
    @Option(names = "--confirm", defaultValue = "1000", paramLabel = "N",
            description = "Unconfirmed publishes each producer may have (default ${DEFAULT-VALUE}).")
    int confirm;
    @Option(names = "--via-leader", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Publish through the queue's leader, as PerfTest does through the RabbitMQ node that "
                    + "declared the queue (--no-via-leader: through any broker, which forwards; default ${DEFAULT-VALUE}).")
    boolean viaLeader;
    @Option(names = "--duration", defaultValue = "10", paramLabel = "SECONDS",
            description = "How long the producers publish (default ${DEFAULT-VALUE}).")
    int durationSeconds;
    @Option(names = "--warmup", defaultValue = "0", paramLabel = "SECONDS",
            description = "Seconds to publish and consume before --duration starts, counted in no figure: the "
                    + "figures then leave out this client JVM's own warm-up (default ${DEFAULT-VALUE}).")
    int warmupSeconds;
    @Option(names = "--reporting-interval-ms", defaultValue = "1000", paramLabel = "MS",
            description = "Print the rates and consumer latency of each interval this long on stderr, as PerfTest "
                    + "does every second; 0 for none (default ${DEFAULT-VALUE}).")
    long reportingIntervalMs;

    private final LatencyRecorder confirmLatency = new LatencyRecorder();
    private final LatencyRecorder endToEndLatency = new LatencyRecorder();
    private final AtomicLong confirmed = new AtomicLong();
    private final AtomicLong consumed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong lastConsumedNanos = new AtomicLong();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    /** Messages sent before this {@link System#nanoTime} belong to the warm-up and are counted nowhere. */
    private volatile long measureFromNanos;

    public QueueBench(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public void run() {
        if (size < Long.BYTES || producers < 1 || consumers < 0 || prefetch < 0 || confirm < 1 || durationSeconds < 1
                || rate < 0 || warmupSeconds < 0 || reportingIntervalMs < 0) {
            throw new IllegalArgumentException("--size must be >= 8, --producers >= 1, --consumers >= 0, "
                    + "--prefetch >= 0, --confirm >= 1, --duration >= 1, --rate >= 0, --warmup >= 0 and "
                    + "--reporting-interval-ms >= 0");
        }
        declare();
        List<QueueConsumer> consuming = new ArrayList<>();
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(
                DaemonThreads.named("wharf-bench-progress"));
        long start = System.nanoTime();
        long publishEnd;
        try {
            for (int i = 0; i < consumers; i++) {
                QueueConsumer consumer = new QueueConsumer(QueueConsumerConfig.of(bootstrap.endpoints(env)), env.channels());
                consuming.add(consumer);
                consumer.subscribe(queue, SubscribeOptions.defaults().withPrefetch(prefetch), delivery -> {
                    long sentAt = delivery.message().getBody().asReadOnlyByteBuffer().getLong();
                    long now = System.nanoTime();
                    if (sentAt - measureFromNanos < 0) {
                        delivery.ack();
                        return;
                    }
                    endToEndLatency.record(Math.max(0, now - sentAt) / 1000);
                    consumed.incrementAndGet();
                    lastConsumedNanos.accumulateAndGet(now, Math::max);
                    delivery.ack();
                });
            }
            List<QueuePublisher> publishers = openPublishers();
            try {
                start = System.nanoTime() + Duration.ofSeconds(warmupSeconds).toNanos();
                measureFromNanos = start;
                if (reportingIntervalMs > 0) {
                    IntervalReport report = new IntervalReport(start);
                    reporter.scheduleAtFixedRate(report::print,
                            TimeUnit.SECONDS.toMillis(warmupSeconds) + reportingIntervalMs, reportingIntervalMs,
                            TimeUnit.MILLISECONDS);
                }
                publish(publishers, start + Duration.ofSeconds(durationSeconds).toNanos());
                publishEnd = System.nanoTime();
            } finally {
                publishers.forEach(QueuePublisher::close);
            }
            if (consumers > 0) {
                drain();
            }
        } finally {
            reporter.shutdownNow();
            consuming.forEach(QueueConsumer::close);
        }
        BenchResult published = new BenchResult(confirmed.get(), confirmed.get() * size,
                Math.max(1, publishEnd - start), confirmLatency.summary());
        BenchResult received = new BenchResult(consumed.get(), consumed.get() * size,
                Math.max(1, lastConsumedNanos.get() - start), endToEndLatency.summary());
        if (json.enabled()) {
            Json.print(env.out(), Json.object("queue", queue, "exchange", exchange, "warmupSeconds", warmupSeconds,
                    "published", published.toJson(), "consumed", received.toJson(), "nacked", failed.get()));
        } else {
            env.out().println("publish (latency: publish to confirm): " + published.toText("messages", "confirmed"));
            env.out().println("consume (latency: publish to delivery): " + received.toText("messages", "consumed"));
        }
        if (failed.get() > 0) {
            throw new CliException("FAILED", failed.get() + " publishes were not confirmed; first: "
                    + firstFailure.get());
        }
    }

    private void declare() {
        List<Endpoint> controllerEndpoints = controllers == null ? env.defaultControllers()
                : Endpoint.parseList(controllers);
        try (AdminClient admin = new AdminClient(AdminClientConfig.of(controllerEndpoints), env.channels())) {
            admin.declareQueue(queue, Map.of());
            if (!exchange.isEmpty()) {
                admin.declareExchange(exchange, ExchangeType.DIRECT, false, Map.of());
                admin.bind(exchange, queue, DestinationKind.QUEUE, queue, Map.of());
            }
        }
    }

    /**
     * One publisher per producer, each with its stream open and connected before the clock starts,
     * as PerfTest opens its connections and channels before its producers start: the first
     * publishes then measure the broker, not the connection set-up.
     */
    private List<QueuePublisher> openPublishers() {
        QueuePublisherConfig config = QueuePublisherConfig.of(bootstrap.endpoints(env)).withMaxInFlight(confirm);
        if (viaLeader) {
            config = config.withHomeQueue(queue);
        }
        List<QueuePublisher> publishers = new ArrayList<>();
        try {
            for (int i = 0; i < producers; i++) {
                QueuePublisher publisher = new QueuePublisher(config, env.channels());
                publishers.add(publisher);
                publisher.connect(CONNECT_TIMEOUT);
            }
        } catch (RuntimeException e) {
            publishers.forEach(QueuePublisher::close);
            throw e;
        }
        return publishers;
    }

    /** Runs the producers until {@code deadlineNanos}, each on its own thread, and waits for their confirms. */
    private void publish(List<QueuePublisher> publishers, long deadlineNanos) {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < publishers.size(); i++) {
            QueuePublisher publisher = publishers.get(i);
            Thread thread = new Thread(() -> produce(publisher, deadlineNanos), "wharf-bench-producer-" + i);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("INTERRUPTED", "interrupted while the producers ran");
            }
        }
    }

    private void produce(QueuePublisher publisher, long deadlineNanos) {
        Throttle throttle = new Throttle(rate / producers);
        // the default exchange routes by queue name, and the bench binds its exchange by the queue's name too
        String routingKey = queue;
        long start = System.nanoTime();
        for (long sent = 0; System.nanoTime() < deadlineNanos; sent++) {
            long delay = throttle.delayNanos(sent, System.nanoTime() - start);
            if (delay > 0) {
                LockSupport.parkNanos(Math.min(delay, deadlineNanos - System.nanoTime()));
            }
            long sentAt = System.nanoTime();
            byte[] body = new byte[size];
            ByteBuffer.wrap(body).putLong(sentAt);
            publisher.publish(exchange, routingKey, body).thenAccept(outcome -> onConfirm(outcome, sentAt));
        }
        publisher.flush();
    }

    /** The figures of each reporting interval since the last one, printed on stderr by the reporter thread. */
    private final class IntervalReport {
        private final long start;
        private long last;
        private long lastConfirmed;
        private long lastConsumed;
        private int lastLatencies;

        IntervalReport(long start) {
            this.start = start;
            this.last = start;
        }

        void print() {
            long now = System.nanoTime();
            long confirmedNow = confirmed.get();
            long consumedNow = consumed.get();
            int latencies = endToEndLatency.count();
            LatencySummary interval = endToEndLatency.summaryBetween(lastLatencies, latencies);
            double seconds = Math.max(1, now - last) / 1e9;
            env.err().println(String.format(Locale.ROOT, "time %.1f s: %.0f msg/s confirmed, %.0f msg/s consumed, "
                            + "consumer latency p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms",
                    (now - start) / 1e9, (confirmedNow - lastConfirmed) / seconds, (consumedNow - lastConsumed) / seconds,
                    interval.p50(), interval.p95(), interval.p99(), interval.max()));
            env.err().flush();
            last = now;
            lastConfirmed = confirmedNow;
            lastConsumed = consumedNow;
            lastLatencies = latencies;
        }
    }

    private void onConfirm(PublishOutcome outcome, long sentAt) {
        if (outcome.acked()) {
            if (sentAt - measureFromNanos < 0) {
                return;
            }
            confirmLatency.record((System.nanoTime() - sentAt) / 1000);
            confirmed.incrementAndGet();
        } else {
            failed.incrementAndGet();
            firstFailure.compareAndSet(null, outcome.status() + " " + outcome.error() + ": " + outcome.message());
        }
    }

    /** Waits until the consumers got every confirmed message, or got nothing for {@link #DRAIN_IDLE}. */
    private void drain() {
        long lastProgress = System.nanoTime();
        long seen = consumed.get();
        while (consumed.get() < confirmed.get() && System.nanoTime() - lastProgress < DRAIN_IDLE.toNanos()) {
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
            if (consumed.get() != seen) {
                seen = consumed.get();
                lastProgress = System.nanoTime();
            }
        }
    }
}
