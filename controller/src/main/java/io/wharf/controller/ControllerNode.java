package io.wharf.controller;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.wharf.metadata.MetadataImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One controller: its Ratis server (with the metadata state machine), the RaftClient it submits
 * through, the ControllerService gRPC server, and the leader-only duties while it leads. Several
 * can run in one JVM on distinct ports.
 *
 * <p>Threading: {@link #start} and {@link #close} may be called from any thread; close is
 * idempotent and waits for a concurrent close. Threads it owns: Ratis's, gRPC's, a cached worker
 * pool (metadata-stream delivery, peer probes), the HTTP endpoint's thread when {@code metrics.port}
 * is set and, while leading, the liveness thread of {@link LeaderDuties} and the thread of its
 * {@link BrokerCrashDetector}. All are stopped by {@link #close}.
 */
public final class ControllerNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ControllerNode.class);
    /** How long a close waits for the Raft server to close (see {@link #startClosing}). */
    private static final Duration RAFT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
    /**
     * How long a close then waits for the quorum clients: a channel to a peer that keeps a stream
     * open is let go after Ratis's own 3 s + 2 s, which the node's stop need not wait for.
     */
    private static final Duration QUORUM_CLIENT_CLOSE_TIMEOUT = Duration.ofMillis(500);

    private final ControllerConfig config;
    private final Consumer<Throwable> onFatalError;
    private final QuorumLayout layout;
    private final AppliedMetadata applied;
    private final LongSupplier clockMs = () -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean fatalSeen = new AtomicBoolean();
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private final Object dutiesLock = new Object();
    private final Leadership leadership = new Leadership();
    private volatile LeaderDuties duties;
    private boolean stopping;
    private boolean closed;

    private ExecutorService workers;
    private QuorumClient quorum;
    private RaftServer raftServer;
    private LeaderForwarding forwarding;
    private Server grpcServer;
    private volatile LeaderCrashDetector crashDetector;
    private ControllerMetrics metrics;
    private volatile HttpEndpoint httpEndpoint;

    /**
     * @param onFatalError called (on a thread of its own, after this node has closed) when the
     *                     metadata log could not be applied; {@code ControllerMain} exits the JVM
     */
    public ControllerNode(ControllerConfig config, Consumer<Throwable> onFatalError) {
        this.config = config;
        this.onFatalError = onFatalError;
        this.layout = new QuorumLayout(config);
        this.applied = new AppliedMetadata(config.historyBatches());
    }

    /** A node that only logs a fatal error (after closing itself); for in-process use. */
    public ControllerNode(ControllerConfig config) {
        this(config, failure -> { });
    }

    /**
     * Starts Raft (recovering whatever {@code data.dir} holds) and the ControllerService.
     *
     * @throws IOException when the data directory or a port cannot be used
     */
    public void start() throws IOException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("controller " + config.nodeId() + " was already started");
        }
        Files.createDirectories(RaftSettings.storageDir(config));
        AtomicInteger workerCount = new AtomicInteger();
        workers = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "wharf-controller-" + config.nodeId() + "-worker-"
                    + workerCount.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        workers.execute(LeaderClassPreloader.fromResource());
        // Ratis registers its server with JMX in raftServer.start(), which makes the JVM build its
        // platform MBean server first: 60-100 ms of a controller's start on the main thread, with no
        // Ratis setting to skip it. Built here on a worker, it overlaps building the Raft server.
        workers.execute(ManagementFactory::getPlatformMBeanServer);
        // The client exists before Raft starts: leader duties may begin while start() is still running.
        // Built on a worker while this thread builds the Raft server: each spends most of its time
        // initialising classes (Ratis's client and server sides, and its Netty), and a start is
        // otherwise one thread long.
        metrics = new ControllerMetrics(this, System.nanoTime());
        CompletableFuture<QuorumClient> client = CompletableFuture.supplyAsync(
                () -> new QuorumClient(config, layout.group(), layout.self(), metrics), workers);
        MetadataStateMachine stateMachine = new MetadataStateMachine(applied, leadership, this::fatal);
        try {
            raftServer = RaftServer.newBuilder()
                    .setServerId(layout.self())
                    .setGroup(layout.group())
                    .setProperties(RaftSettings.serverProperties(config))
                    .setStateMachine(stateMachine)
                    .setOption(RaftStorage.StartupOption.RECOVER)
                    .build();
        } catch (IOException | RuntimeException e) {
            client.thenAccept(built -> closeQuietly("quorum client", built));
            throw e;
        }
        quorum = await(client, "build the quorum client");
        quorum.attach(raftServer);
        if (config.raftLeaderCrashDetection()) {
            crashDetector = new LeaderCrashDetector(layout,
                    new ImmediateElection(raftServer, layout.group().getGroupId(), layout.self()), config.nodeId());
        }
        // Raft starts on a worker (recovering the log and the snapshot on a thread of Ratis's own)
        // while this thread builds the ControllerService's server, which starts listening only
        // once Raft has started.
        CompletableFuture<Void> raftStarted = CompletableFuture.runAsync(() -> {
            try {
                raftServer.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, workers);
        forwarding = new LeaderForwarding(config.nodeId());
        ClusterView cluster = new ClusterView(layout, raftServer, quorum, workers);
        // Duties answer only while Ratis still sees this controller as the ready leader: between a
        // step-down and its "not leader" notice, heartbeats go to the new leader instead.
        ControllerService service = new ControllerService(config, applied, quorum, cluster,
                () -> Optional.ofNullable(duties).filter(active -> cluster.isLeaderReady()), forwarding, workers);
        Server server = NettyServerBuilder
                .forAddress(new InetSocketAddress(config.bindHost(), config.self().rpcPort()))
                .addService(ServerInterceptors.intercept(service, forwarding))
                .build();
        await(raftStarted, "start Raft");
        grpcServer = server.start();
        LOG.info("Controller {} started: ControllerService on {}:{}, Raft on {}:{}, data in {}", config.nodeId(),
                config.bindHost(), config.self().rpcPort(), config.bindHost(), config.self().raftPort(),
                config.dataDir().toAbsolutePath());
        if (config.metricsPort() >= 0) {
            httpEndpoint = HttpEndpoint.start(config.nodeId(), config.bindHost(), config.metricsPort(), metrics,
                    this::notReadyReason);
            LOG.info("Controller {} serving metrics on http://{}:{}/metrics", config.nodeId(), config.bindHost(),
                    httpEndpoint.port());
        }
    }

    /** This controller's node id. */
    public int nodeId() {
        return config.nodeId();
    }

    public ControllerConfig config() {
        return config;
    }

    /** The metadata image this controller has applied (possibly behind the leader's). */
    public MetadataImage image() {
        return applied.image();
    }

    /** True while this controller is the active (leader-ready) controller. */
    public boolean isActive() {
        return duties != null;
    }

    /** True when this controller follows another and holds a connection that would reveal its crash. */
    boolean watchesLeader() {
        LeaderCrashDetector detector = crashDetector;
        return detector != null && detector.connectedToLeader();
    }

    /**
     * The brokers (id to epoch) whose process this controller watches over an open connection: only
     * while it is active and {@code broker.crash.detection} is on, otherwise empty.
     */
    Map<Integer, Long> crashWatchedBrokers() {
        LeaderDuties current = duties;
        return current == null ? Map.of() : current.crashWatchedBrokers();
    }

    /** The active controller's reaction to a broker process seen gone; false when not active or not fenced. */
    boolean brokerGone(int brokerId, long epoch) {
        LeaderDuties current = duties;
        return current != null && current.brokerGone(brokerId, epoch);
    }

    /** The Raft log index this controller has applied, -1 before any. */
    public long appliedIndex() {
        return localInfo().map(DivisionInfo::getLastAppliedIndex).orElse(-1L);
    }

    /** The highest Raft log index this controller knows committed, -1 when its Raft division is not running. */
    long commitIndex() {
        RaftServer server = raftServer;
        if (server == null) {
            return -1;
        }
        try {
            return server.getDivision(layout.group().getGroupId()).getRaftLog().getLastCommittedIndex();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The Raft term this controller is in, -1 when its Raft division is not running. */
    public long term() {
        return localInfo().map(DivisionInfo::getCurrentTerm).orElse(-1L);
    }

    /** The node id of the leader this controller knows, empty during an election. */
    public Optional<Integer> leaderId() {
        return localInfo().flatMap(info -> layout.voter(info.getLeaderId())).map(QuorumVoter::id);
    }

    /**
     * Why this controller is not ready to serve (empty when it is): ready means its Raft server runs
     * and knows a leader, so a write sent here will be committed. Answers {@code /health/ready}.
     */
    Optional<String> notReadyReason() {
        Optional<DivisionInfo> info = localInfo();
        if (info.isEmpty() || !info.get().isAlive()) {
            return Optional.of("controller " + config.nodeId() + ": its Raft server is not running");
        }
        if (leaderId().isEmpty()) {
            return Optional.of("controller " + config.nodeId() + " knows no leader: an election is under way"
                    + " or it cannot reach a majority");
        }
        return Optional.empty();
    }

    /** The bound port of the HTTP endpoint (metrics and health); empty when {@code metrics.port} is -1. */
    public OptionalInt metricsPort() {
        HttpEndpoint endpoint = httpEndpoint;
        return endpoint == null ? OptionalInt.empty() : OptionalInt.of(endpoint.port());
    }

    /**
     * Takes a metadata snapshot now (a no-op when nothing was applied since the last one).
     *
     * @return the log index the newest snapshot covers
     */
    public long takeSnapshot() throws IOException {
        return quorum.takeSnapshot(config.quorumRetryMaxMs());
    }

    /** Blocks until this node has been closed. */
    public void awaitClosed() throws InterruptedException {
        closedLatch.await();
    }

    /** The index of the first entry still in this controller's Raft log (earlier ones are in a snapshot). */
    long logStartIndex() throws IOException {
        return raftServer.getDivision(layout.group().getGroupId()).getRaftLog().getStartIndex();
    }

    /** The log index the newest snapshot of this controller covers, -1 without one. */
    long latestSnapshotIndex() throws IOException {
        org.apache.ratis.statemachine.SnapshotInfo snapshot =
                raftServer.getDivision(layout.group().getGroupId()).getStateMachine().getLatestSnapshot();
        return snapshot == null ? -1 : snapshot.getIndex();
    }

    /** How many WatchMetadata streams this controller serves right now. */
    int watcherCount() {
        return applied.watcherCount();
    }

    private Optional<DivisionInfo> localInfo() {
        RaftServer server = raftServer;
        if (server == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(server.getDivision(layout.group().getGroupId()).getInfo());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Stops this controller. As leader it first hands leadership to the most up-to-date live peer
     * (about 0.1 s, instead of a timeout-driven election), then stops leader duties, metadata
     * streams, the gRPC server, the Raft server and every thread it started.
     */
    @Override
    public void close() {
        close(true);
    }

    /**
     * Stops this controller the way a crash looks to its peers: a leader does not hand leadership
     * over first, so they must notice it is gone. For failure tests in this package.
     */
    void closeWithoutHandover() {
        close(false);
    }

    private void close(boolean handOver) {
        synchronized (this) {
            if (closed) {
                awaitClosedUninterruptibly();
                return;
            }
            closed = true;
        }
        try {
            // First: a controller on its way down is not ready, and a probe must not find it half-closed.
            closeQuietly("HTTP endpoint", httpEndpoint);
            if (raftServer != null && handOver) {
                handOverLeadership();
            }
            synchronized (dutiesLock) {
                stopping = true;
                stopDuties();
            }
            applied.closeWatchers(Status.UNAVAILABLE.withDescription("controller " + config.nodeId()
                    + " is stopping; watch another controller from your last applied offset"));
            stopGrpc();
            if (forwarding != null) {
                forwarding.close();
            }
            closeQuietly("leader crash detector", crashDetector);
            // Beside the Raft server, not before it: a Ratis client's close waits up to 3 s per
            // channel for its streams to end, and a server can leave one open (seen on the stream
            // of a controller's clients to its own server, at every few stops). The server's close
            // cancels the streams to itself, so both usually end within the server's close.
            Thread quorumCloser = startClosing("quorum client", quorum);
            if (!awaitClosed(startClosing("Raft server", raftServer), RAFT_CLOSE_TIMEOUT)) {
                LOG.warn("Closing the Raft server did not finish within {} ms; going on without waiting for it",
                        RAFT_CLOSE_TIMEOUT.toMillis());
            }
            if (!awaitClosed(quorumCloser, QUORUM_CLIENT_CLOSE_TIMEOUT)) {
                LOG.info("Controller {}: a quorum client is still waiting for a peer to end a stream; its channel "
                        + "is let go without this stop waiting for it", config.nodeId());
            }
            if (workers != null) {
                workers.shutdownNow();
                awaitQuietly(workers);
            }
            LOG.info("Controller {} stopped", config.nodeId());
        } finally {
            closedLatch.countDown();
        }
    }

    private void awaitClosedUninterruptibly() {
        try {
            closedLatch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handOverLeadership() {
        Optional<DivisionInfo> info = localInfo();
        if (info.isEmpty() || !info.get().isLeader() || layout.voters().size() < 2) {
            return;
        }
        Optional<RaftPeerId> target;
        try {
            target = raftServer.getDivision(layout.group().getGroupId()).getCommitInfos().stream()
                    .filter(commit -> !RaftPeerId.valueOf(commit.getServer().getId()).equals(layout.self()))
                    .max(Comparator.comparingLong(CommitInfoProto::getCommitIndex))
                    .map(commit -> RaftPeerId.valueOf(commit.getServer().getId()));
        } catch (IOException e) {
            LOG.warn("Controller {}: cannot read peer progress; stopping without a leadership transfer", nodeId(), e);
            return;
        }
        if (target.isEmpty()) {
            return;
        }
        // A transfer to a live peer takes 50-250 ms; a peer that is itself stopping must not hold us long.
        long timeoutMs = Math.max(1000, 5 * config.raftTimeoutMaxMs());
        long startNs = System.nanoTime();
        boolean moved = quorum.transferLeadership(target.get(), timeoutMs);
        LOG.info("Controller {}: leadership transfer to {} {} after {} ms", nodeId(), target.get(),
                moved ? "succeeded" : "did not complete", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs));
    }

    private void stopGrpc() {
        if (grpcServer == null) {
            return;
        }
        grpcServer.shutdown();
        try {
            if (!grpcServer.awaitTermination(1, TimeUnit.SECONDS)) {
                grpcServer.shutdownNow();
                grpcServer.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            grpcServer.shutdownNow();
        }
    }

    private void stopDuties() {
        LeaderDuties current = duties;
        duties = null;
        if (current != null) {
            current.close();
        }
    }

    private void fatal(Throwable failure) {
        if (!fatalSeen.compareAndSet(false, true)) {
            return;
        }
        Thread stopper = new Thread(() -> {
            LOG.error("Controller {} is stopping after a fatal error", config.nodeId(), failure);
            close();
            onFatalError.accept(failure);
        }, "wharf-controller-" + config.nodeId() + "-fatal");
        stopper.start();
    }

    private static void closeQuietly(String what, AutoCloseable resource) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception e) {
            LOG.warn("Closing the {} failed", what, e);
        }
    }

    /** The result of a step of {@link #start} run on a worker, with its failure as start() reports it. */
    private <T> T await(CompletableFuture<T> step, String what) throws IOException {
        try {
            return step.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            // Ratis reports some failures (its storage locked by another process, say) as a
            // CompletionException around an IOException: said here with what failed.
            throw new IOException("controller " + config.nodeId() + " could not " + what + ": " + cause.getMessage(), cause);
        }
    }

    /**
     * Starts closing {@code resource} on a daemon thread of its own, to be awaited with a bound
     * ({@link #awaitClosed}): Ratis's server close waits without a bound for its gRPC server to
     * terminate, which a stream that is never cancelled can keep from happening (seen in
     * LeaderCrashDetectionTest), and its clients' close waits seconds for such a stream; a stuck
     * close must not hang the node's own close. A closing thread still running then is left behind.
     *
     * @return the closing thread; null when there is nothing to close
     */
    private static Thread startClosing(String what, AutoCloseable resource) {
        if (resource == null) {
            return null;
        }
        Thread closer = new Thread(() -> closeQuietly(what, resource), "wharf-close-" + what.replace(' ', '-'));
        closer.setDaemon(true);
        closer.start();
        return closer;
    }

    /** Waits up to {@code timeout} for a {@link #startClosing} thread; false when it still runs. */
    private static boolean awaitClosed(Thread closer, Duration timeout) {
        if (closer == null) {
            return true;
        }
        try {
            closer.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !closer.isAlive();
    }

    private static void awaitQuietly(ExecutorService executor) {
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                LOG.warn("Controller worker threads did not stop within 2 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What Ratis's leadership notices reach; for tests that deliver one out of turn. */
    MetadataStateMachine.LeadershipListener leadership() {
        return leadership;
    }

    /**
     * The term in which Ratis sees this controller lead right now, empty when it is anything but
     * leader. The term is read on both sides of the role so that a step-down between the reads
     * (Ratis sets the role, then the new term) is not mistaken for leading in the new term.
     */
    private OptionalLong leadingTerm() {
        Optional<DivisionInfo> info = localInfo();
        if (info.isEmpty()) {
            return OptionalLong.empty();
        }
        long before = info.get().getCurrentTerm();
        boolean leader = info.get().isLeader();
        long after = info.get().getCurrentTerm();
        return leader && before == after ? OptionalLong.of(before) : OptionalLong.empty();
    }

    /** Starts and stops {@link LeaderDuties} as Ratis reports leadership. */
    private final class Leadership implements MetadataStateMachine.LeadershipListener {
        @Override
        public void leaderReady() {
            synchronized (dutiesLock) {
                if (stopping) {
                    return;
                }
                stopDuties();
                // Ratis announces readiness from its apply thread, outside the lock under which a
                // step-down sets the follower role and then announces "not leader". A readiness
                // notice that loses that race arrives after the step-down's notice: duties started
                // then would never be stopped, and would answer heartbeats and unfence brokers that
                // the real leader, hearing none, fences again (a loop seen after a full restart).
                // The role is set before the step-down notice, so asking Ratis now is enough.
                OptionalLong term = leadingTerm();
                if (term.isEmpty()) {
                    LOG.info("Controller {} was told it is ready to lead, but no longer leads; no leader duties",
                            config.nodeId());
                    return;
                }
                LeaderDuties fresh = new LeaderDuties(config, applied, quorum::submit, clockMs, term.getAsLong());
                fresh.start();
                duties = fresh;
            }
        }

        @Override
        public void leaderChanged(RaftPeerId leader) {
            metrics.leaderChanged(leader);
            LeaderCrashDetector detector = crashDetector;
            if (detector != null) {
                detector.leaderChanged(leader);
            }
        }

        @Override
        public void notLeader() {
            synchronized (dutiesLock) {
                stopDuties();
            }
        }
    }
}
