package io.wharf.broker;

import io.wharf.broker.console.Console;
import io.wharf.broker.group.GroupCoordinatorService;
import io.wharf.broker.group.GroupLagSampler;
import io.wharf.broker.queue.QueueService;
import io.wharf.broker.metrics.BrokerMetrics;
import io.wharf.broker.metrics.CleanerMetrics;
import io.wharf.broker.metrics.DeadLetterTopicMetrics;
import io.wharf.broker.metrics.GroupMetrics;
import io.wharf.broker.metrics.MetadataMetrics;
import io.wharf.broker.metrics.MetricsEndpoint;
import io.wharf.broker.metrics.ProduceStage;
import io.wharf.broker.metrics.QueueMetrics;
import io.wharf.replication.log.LogFileChannels;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.broker.partition.PartitionRegistry;
import io.wharf.broker.producer.ProducerIdAllocator;
import io.wharf.broker.replica.IsrUpdater;
import io.wharf.broker.replica.ReplicaFetchers;
import io.wharf.broker.replica.ReplicationGrpcService;
import io.wharf.http.HealthHandler;
import io.wharf.metadata.MetadataImage;
import io.wharf.proto.controller.RegisterBrokerRequest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One broker: its {@code BrokerService} gRPC server, its channels to the controllers, the
 * metadata follower, the register/heartbeat loop and the partition replicas it hosts.
 * Thread-safe; it owns one scheduler thread (heartbeats, reconnects), the data timer threads
 * (acks=all timeouts, long-poll fetches), the partition registry's thread, the gRPC server's
 * threads, the controller channels, the HTTP endpoint (metrics, health) and the web console, and
 * {@link #close()} releases all of them.
 *
 * <p>Usable in-process: {@code new BrokerNode(config).start()}, then wait for {@link #isActive()}.
 */
public final class BrokerNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BrokerNode.class);

    /** Runs long-polling fetches' deadlines (otherwise the thread that changed a partition answers them). */
    private static final int DATA_TIMER_THREADS = 1;
    /** Longest pause between two ISR checks (shorter when replica.lag.time.max.ms is small). */
    private static final long ISR_CHECK_INTERVAL_MS = 250;
    /** A produce request may carry several partitions of batches up to max.message.bytes each. */
    private static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;
    /** Group lag is sampled a few times per usual scrape interval (15 s), which is all a dashboard sees. */
    private static final Duration GROUP_LAG_SAMPLE_INTERVAL = Duration.ofSeconds(5);
    private static final Duration GROUP_LAG_REQUEST_TIMEOUT = Duration.ofSeconds(2);

    private final BrokerConfig config;
    private final LogFileChannels logFiles;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object stateLock = new Object();

    // Set by start(), read after; guarded by stateLock for writes, volatile for readers.
    private volatile ScheduledExecutorService scheduler;
    private volatile GrpcServer server;
    private volatile ControllerChannels controllers;
    private volatile MetadataFollower follower;
    private volatile BrokerLifecycleDriver lifecycle;
    private volatile PartitionRegistry partitions;
    private volatile ScheduledExecutorService dataTimer;
    private volatile ReplicaFetchers fetchers;
    private volatile IsrUpdater isrUpdater;
    private volatile ProducerIdAllocator producerIds;
    private volatile GroupCoordinatorService groups;
    private volatile GroupLagSampler groupLag;
    private volatile QueueService queues;
    private volatile BrokerMetrics metrics;
    private volatile MetricsEndpoint metricsEndpoint;
    private volatile Console console;
    private volatile Throwable failure;
    /** Set once this broker's image reached its registration; see {@link #metadataCaughtUp()}. */
    private volatile boolean caughtUpSinceStart;
    private boolean started;   // guarded by stateLock
    private boolean closing;   // guarded by stateLock

    public BrokerNode(BrokerConfig config) {
        this(config, LogFileChannels.DEFAULT);
    }

    /**
     * A broker whose segment files are opened through {@code logFiles} (tests inject storage
     * faults this way).
     */
    public BrokerNode(BrokerConfig config, LogFileChannels logFiles) {
        this.config = config;
        this.logFiles = logFiles;
    }

    /**
     * Registers with the controllers (with a fixed port, first; with port 0, once it is bound),
     * binds the BrokerService port, starts following metadata and the HTTP endpoint, then lets the
     * controllers unfence it.
     *
     * @throws IOException when the data directory cannot be created or the port cannot be bound;
     *     nothing is left running then
     * @throws IllegalStateException when called twice or after close
     */
    public void start() throws IOException {
        synchronized (stateLock) {
            if (started || closing) {
                throw new IllegalStateException("broker " + config.nodeId() + " was already started or closed");
            }
            started = true;
            try {
                startComponents();
            } catch (IOException | RuntimeException e) {
                stopComponents();
                stopped.countDown();
                closing = true;
                throw e;
            }
        }
    }

    private void startComponents() throws IOException {
        int id = config.nodeId();
        Files.createDirectories(config.dataDir());
        scheduler = Executors.newSingleThreadScheduledExecutor(ServiceThreads.daemon("broker-" + id + "-lifecycle"));
        controllers = new ControllerChannels(config.controllerBootstrap(), ControllerChannels.nettyChannels(),
                config.controllerRequestTimeout());
        follower = new MetadataFollower(id, controllers, scheduler, config.controllerRetryBackoff(),
                config.metadataMaxLag(), this::fail);
        // With a fixed port the broker registers now, as Kafka's brokers do: the round trips to
        // the controllers (one Raft commit) then overlap with building and starting the rest. Its
        // heartbeats ask to stay fenced until it serves (readyToServe below). With port 0 the
        // advertised port is known only once the server has bound one.
        if (config.rpcPort() != 0) {
            startRegistering(config.rpcPort());
        }
        Clock clock = Clock.systemUTC();
        // The gauges ask the registry at scrape time; the registry reports fsync times to the metrics.
        BrokerMetrics instruments = new BrokerMetrics(() -> partitions == null ? List.of() : partitions.partitions());
        metrics = instruments;
        partitions = new PartitionRegistry(new PartitionRegistry.Settings(id, config.dataDir(), config.logFlushMode(),
                config.replicaLagTimeMax().toMillis(), config.highWatermarkCheckpointInterval(),
                config.defaultRetention(), config.logRetentionCheckInterval(), config.producerIdExpiration(),
                config.cleaner(), config.logDirResumeFreeBytes()), clock,
                nanos -> instruments.recordProduceStage(ProduceStage.LOCAL_FSYNC, nanos), logFiles,
                new CleanerMetrics(instruments));
        // One log directory per broker: when it fails, a controlled shutdown moves every leadership
        // away and the node stops (decision storage-fault-stops-the-broker.md).
        partitions.onDirectoryOffline(this::fail);
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(DATA_TIMER_THREADS,
                ServiceThreads.daemon("broker-" + id + "-data-timer"));
        timer.setRemoveOnCancelPolicy(true);  // a long poll answered early leaves no task behind
        dataTimer = timer;
        PartitionLookup lookup = new PartitionLookup(id, partitions, follower::image);
        producerIds = new ProducerIdAllocator(id, controllers, this::brokerEpoch);
        groups = new GroupCoordinatorService(id, config.groupCoordinator(), partitions, lookup, follower::image,
                controllers, clock);
        queues = new QueueService(id, config.queues(), partitions, lookup, follower::image, this::metadataCaughtUp,
                controllers, clock, MAX_INBOUND_MESSAGE_BYTES);
        groupLag = new GroupLagSampler(id, groups, partitions, follower::image, GROUP_LAG_SAMPLE_INTERVAL,
                GROUP_LAG_REQUEST_TIMEOUT);
        instruments.registry().register(new GroupMetrics(groupLag::figures));
        instruments.registry().register(new QueueMetrics(queues::figures, clock));
        instruments.registry().register(new DeadLetterTopicMetrics(partitions::partitions, clock));
        MetadataFollower metadata = follower;
        // The console and the HTTP endpoint are built on a thread of their own while this one starts
        // the gRPC side: neither needs the other, and each is about a tenth of a start.
        ExecutorService aside = Executors.newSingleThreadExecutor(ServiceThreads.daemon("broker-" + id + "-http-start"));
        Future<Console> consoleBuilt = null;
        Future<MetricsEndpoint> endpointStarted = null;
        try {
            if (config.metricsPort() >= 0) {
                GroupCoordinatorService coordinator = groups;
                QueueService queueService = queues;
                PartitionRegistry registry = partitions;
                consoleBuilt = aside.submit(() -> new Console(id, config.console(), new Console.BrokerState(
                        metadata::image, registry::partitions, queueService::figures, coordinator::listGroups),
                        controllers, clock));
                Future<Console> built = consoleBuilt;
                endpointStarted = aside.submit(() -> MetricsEndpoint.start(id, config.listenHost(),
                        config.metricsPort(), instruments, built.get().routes(new HealthHandler(this::notReadyReason)),
                        config.console().maxClients()));
            }
            aside.shutdown();  // its thread ends after these two
            server = GrpcServer.start(id, config.listenHost(), config.rpcPort(), config.numNetworkThreads(),
                    MAX_INBOUND_MESSAGE_BYTES, new BrokerGrpcService(id, follower::image,
                            new ProduceHandler(lookup, clock, () -> metadata.image().nextProducerId(), instruments),
                            new FetchHandler(lookup, dataTimer), new ListOffsetsHandler(lookup),
                            new DescribeLogsHandler(id, partitions), producerIds, groups, queues, instruments),
                    new ReplicationGrpcService(lookup, follower::image, dataTimer, instruments));
            if (lifecycle == null) {
                startRegistering(server.port());
            }
            BrokerLifecycleDriver driver = lifecycle;
            follower.addListener(new LocalStateLogger(id));
            follower.addListener(new MetadataMetrics(id, metrics));
            fetchers = new ReplicaFetchers(id, partitions, this::brokerEpoch, config.replicaFetchMaxWait(),
                    config.replicaFetchMaxBytes(), config.controllerRetryBackoff(), config.controllerRequestTimeout());
            partitions.addListener(fetchers);
            isrUpdater = new IsrUpdater(id, partitions, controllers, this::brokerEpoch,
                    Duration.ofMillis(Math.max(1, Math.min(ISR_CHECK_INTERVAL_MS, config.replicaLagTimeMax().toMillis() / 2))),
                    Duration.ofSeconds(1), clock);
            follower.addListener(partitions);
            follower.addListener((previous, current) -> driver.metadataAdvanced(current.offset()));
            follower.addListener((previous, current) -> metadataCaughtUp());
            log.info("Broker {} serving BrokerService on {}:{} (advertised {}:{}); controllers {}", id,
                    config.listenHost(), server.port(), config.advertisedHost(), server.port(),
                    config.controllerBootstrap());
            if (consoleBuilt != null) {
                console = awaitStartStep(consoleBuilt);
                // Before the stream starts, so the console's leadership timeline sees every image.
                follower.addListener(console.metadataListener());
            }
            follower.start();
            isrUpdater.start();
            if (endpointStarted != null) {
                metricsEndpoint = awaitStartStep(endpointStarted);
                console.start();
                log.info("Broker {} serving metrics on http://{}:{}/metrics and its console on http://{}:{}/console/",
                        id, config.listenHost(), metricsEndpoint.port(), config.listenHost(), metricsEndpoint.port());
            }
        } catch (IOException | RuntimeException e) {
            // What the other thread built or bound is then released with the rest (stopComponents).
            aside.shutdown();
            if (consoleBuilt != null) {
                console = resultIfAny(consoleBuilt);
                metricsEndpoint = resultIfAny(endpointStarted);
            }
            throw e;
        }
        lifecycle.readyToServe();
    }

    /**
     * Starts registering as {@code port}, with one incarnation id for this start: every registration
     * attempt of this process carries it, so an attempt the controllers commit after this broker
     * stopped waiting for it cannot bump its epoch.
     */
    private void startRegistering(int port) {
        RegisterBrokerRequest registration = RegisterBrokerRequest.newBuilder()
                .setBrokerId(config.nodeId())
                .setHost(config.advertisedHost())
                .setPort(port)
                .setRack(config.rack())
                .setIncarnationId(UUID.randomUUID().toString())
                .build();
        LongSupplier monotonicMs = () -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
        lifecycle = new BrokerLifecycleDriver(registration, controllers, scheduler, monotonicMs,
                () -> follower.image().offset(),
                leaderOffset -> follower.onLeaderOffset(leaderOffset, monotonicMs.getAsLong()),
                config.heartbeatInterval(), config.controllerRetryBackoff(), this::fail, this::logDirectoryFull);
        lifecycle.start();
    }

    /** A part of the start run aside: its result, or what it threw. */
    private static <T> T awaitStartStep(Future<T> step) throws IOException {
        try {
            return step.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the broker was starting");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof ExecutionException nested ? nested.getCause() : e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("a part of the broker's start failed", cause);
        }
    }

    /** A part of a failed start, once it ended: what it built, to be released; null when it built nothing. */
    private static <T> T resultIfAny(Future<T> step) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return step.get();
                } catch (InterruptedException e) {
                    interrupted = true;  // the release must not be skipped; the flag is restored below
                } catch (ExecutionException | CancellationException e) {
                    return null;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether this broker's log directory is full (false while it is still being built). */
    private boolean logDirectoryFull() {
        PartitionRegistry registry = partitions;
        return registry != null && registry.space().isFull();
    }

    public int nodeId() {
        return config.nodeId();
    }

    public BrokerConfig config() {
        return config;
    }

    /** The bound BrokerService port (the configured one, or the ephemeral one when configured 0). */
    public int rpcPort() {
        return started(server).port();
    }

    /** The bound port of the HTTP endpoint (metrics and health); empty when {@code metrics.port} is -1. */
    public OptionalInt metricsPort() {
        started(server);
        MetricsEndpoint endpoint = metricsEndpoint;
        return endpoint == null ? OptionalInt.empty() : OptionalInt.of(endpoint.port());
    }

    /** This broker's instruments, served by its metrics endpoint (recorded into even when none is served). */
    public BrokerMetrics metrics() {
        return started(metrics);
    }

    /** The metadata follower, to read the image or add a {@link MetadataListener}. */
    public MetadataFollower metadata() {
        return started(follower);
    }

    /** The broker's current metadata image (empty before start). */
    public MetadataImage metadataImage() {
        MetadataFollower current = follower;
        return current == null ? MetadataImage.empty() : current.image();
    }

    /** Where registration and heartbeats stand (REGISTERING before start). */
    public BrokerLifecycle.State lifecycleState() {
        BrokerLifecycleDriver current = lifecycle;
        return current == null ? BrokerLifecycle.State.REGISTERING : current.state();
    }

    /** The epoch of the current registration, -1 while unregistered. */
    public long brokerEpoch() {
        BrokerLifecycleDriver current = lifecycle;
        return current == null ? -1 : current.brokerEpoch();
    }

    /**
     * True when the controller has unfenced this broker's current registration and the broker's
     * own image already shows it unfenced: the state in which it may lead partitions.
     */
    public boolean isActive() {
        BrokerLifecycleDriver current = lifecycle;
        if (current == null || current.state() != BrokerLifecycle.State.ACTIVE) {
            return false;
        }
        long epoch = current.brokerEpoch();
        return follower.image().broker(config.nodeId()).map(r -> !r.fenced() && r.epoch() == epoch).orElse(false);
    }

    /**
     * Whether this broker's image has caught up with the cluster since it started: true from the
     * first time the image reached this broker's registration (the controllers' own test before
     * they unfence it) on. A broker fenced or registered again later keeps its image, which only
     * moves forward and which it stops for when it falls too far behind ({@code metadata.max.lag}),
     * so it still routes and names unknown queues by it; before, its image may lack what exists.
     * Asked after every image change too, so the answer does not depend on being asked in time.
     */
    boolean metadataCaughtUp() {
        if (!caughtUpSinceStart) {
            long epoch = brokerEpoch();
            MetadataFollower current = follower;
            if (epoch >= 0 && current != null && current.image().offset() >= epoch) {
                caughtUpSinceStart = true;
            }
        }
        return caughtUpSinceStart;
    }

    /**
     * Why this broker is not ready to serve (empty when it is), for {@code /health/ready}: ready is
     * {@link #isActive()}, registered and unfenced by the controllers (which unfence it only once its
     * metadata caught up) with its own image showing that registration unfenced.
     */
    Optional<String> notReadyReason() {
        Throwable stopped = failure;
        if (stopped != null) {
            return Optional.of("broker " + config.nodeId() + " stopped after a failure: " + stopped.getMessage());
        }
        if (isActive()) {
            return Optional.empty();
        }
        return Optional.of("broker " + config.nodeId() + switch (lifecycleState()) {
            case REGISTERING -> " is not registered with the controllers yet";
            case FENCED -> " is registered but fenced: its metadata is catching up or the controllers do not"
                    + " hear its heartbeats";
            // The controllers answered ACTIVE, but this broker's image lags that answer or already fences it.
            case ACTIVE -> " heard it is active but its metadata does not show it unfenced at its epoch yet";
            case SHUTTING_DOWN, STOPPED -> " is shutting down";
        });
    }

    /**
     * Why the node stopped on its own, if it did: its metadata fell behind, its log directory
     * failed, or its broker id belongs to another live process ({@link DuplicateBrokerIdException}).
     */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Blocks until {@link #close()} has finished (called by anyone, or after a fatal error). */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /**
     * Controlled shutdown first (bounded by {@code controlled.shutdown.timeout.ms}; if no
     * controller answers it logs and goes on), then stops the heartbeat loop, the metadata stream,
     * the server and the channels. Idempotent; a concurrent caller waits for the first.
     */
    @Override
    public void close() {
        boolean first;
        boolean wasStarted;
        synchronized (stateLock) {
            first = !closing;
            wasStarted = started;
            closing = true;
        }
        if (!first) {
            awaitQuietly();
            return;
        }
        if (!wasStarted) {
            stopped.countDown();
            return;
        }
        try {
            lifecycle.shutDownControlled(config.controlledShutdownTimeout());
            stopComponents();
            log.info("Broker {} stopped", config.nodeId());
        } finally {
            stopped.countDown();
        }
    }

    private void stopComponents() {
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
        if (follower != null) {
            follower.close();
        }
        if (console != null) {
            console.close();  // after the follower: no image change reaches it any more
        }
        // Interrupted meanwhile, the caller stops waiting; only a thread that outlived the wait is news.
        if (scheduler != null && !ServiceThreads.stop(Duration.ofSeconds(5), scheduler)
                && !Thread.currentThread().isInterrupted()) {
            log.warn("Broker {} lifecycle thread did not stop in time", config.nodeId());
        }
        if (server != null) {
            server.close();
        }
        if (isrUpdater != null) {
            isrUpdater.close();
        }
        if (producerIds != null) {
            producerIds.close();
        }
        if (groupLag != null) {
            groupLag.close();  // before the coordinator it asks
        }
        if (groups != null) {
            groups.close();
        }
        if (queues != null) {
            queues.close();
        }
        if (fetchers != null) {
            fetchers.close();
        }
        if (dataTimer != null) {
            dataTimer.shutdownNow();
        }
        if (partitions != null) {
            partitions.close();
        }
        if (controllers != null) {
            controllers.close();
        }
    }

    /** The consumer-group coordinator (for tests and tools). */
    public GroupCoordinatorService groups() {
        return started(groups);
    }

    /** The replicas this broker hosts (for tests and tools). */
    public PartitionRegistry partitions() {
        return started(partitions);
    }

    /** A fatal error from a component: record it and stop the node (off the reporting thread). */
    private void fail(Throwable cause) {
        failure = cause;
        log.error("Broker {} stopping after a fatal error", config.nodeId(), cause);
        Thread stopper = new Thread(this::close, "broker-" + config.nodeId() + "-fatal-stop");
        stopper.setDaemon(true);
        stopper.start();
    }

    /** {@code component}, which is null until {@link #start()} made it. */
    private <T> T started(T component) {
        if (component == null) {
            throw new IllegalStateException("broker " + config.nodeId() + " is not started");
        }
        return component;
    }

    private void awaitQuietly() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
