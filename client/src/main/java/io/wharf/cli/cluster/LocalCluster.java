package io.wharf.cli.cluster;

import io.grpc.ManagedChannel;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import io.wharf.client.admin.AdminClient;
import io.wharf.client.admin.AdminClientConfig;
import io.wharf.client.admin.AdminException;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.controller.ControllerInfo;
import io.wharf.proto.controller.DescribeClusterResponse;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A Wharf cluster on this machine, each node its own JVM, with its files under one directory:
 * {@code <base>/cluster.json} (the topology) and {@code <base>/<node>/{node.properties, data/,
 * node.log, pid}}. Nodes outlive the JVM that started them; any later {@code LocalCluster} on the
 * same directory finds them again through their pid files.
 *
 * <p>{@link #down()} stops every node and keeps the data, so {@link #up()} restarts the same
 * cluster with its topics; {@link #deleteData()} removes the directory.
 *
 * <p>Not thread-safe: one caller drives it; the nodes' state lives in files and processes.
 */
public final class LocalCluster implements AutoCloseable {

    /** How long a clean stop may take before the node is killed. */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final int LOG_TAIL_LINES = 20;

    private final ClusterSpec spec;
    private final NodeCommand command;
    private final Optional<NodeClassArchives> classArchives;
    private final ReadinessProbe readiness = new ReadinessProbe();
    private final Function<Endpoint, ManagedChannel> channels;
    private AdminClient admin;

    public LocalCluster(ClusterSpec spec) {
        this(spec, Optional.empty());
    }

    /** A cluster whose nodes start from the class-data sharing archives {@code classArchives}, when given. */
    public LocalCluster(ClusterSpec spec, Optional<NodeClassArchives> classArchives) {
        this(spec, classArchives, EndpointChannels.plaintext());
    }

    /** As above, asking the controllers over {@code channels} (the CLI's own transport). */
    public LocalCluster(ClusterSpec spec, Optional<NodeClassArchives> classArchives,
                        Function<Endpoint, ManagedChannel> channels) {
        this.spec = spec;
        this.command = NodeCommand.forThisJvm(spec.classpath(), spec.jvmOptions(), spec.logbackConfig());
        this.classArchives = classArchives;
        this.channels = channels;
    }

    /**
     * A cluster of {@code controllers} and {@code brokers} on 127.0.0.1 from {@code portBase},
     * whose nodes all get {@code extraProperties} on top of the generated keys.
     */
    public LocalCluster(Path baseDir, int portBase, int controllers, int brokers, String classpath,
                        Map<String, String> extraProperties) {
        this(ClusterSpec.of(baseDir, new ClusterTopology(ClusterTopology.DEFAULT_HOST, portBase, controllers, brokers),
                classpath, extraProperties));
    }

    public ClusterTopology topology() {
        return spec.topology();
    }

    public Path baseDir() {
        return spec.baseDir();
    }

    public NodePaths paths(NodeName node) {
        return NodePaths.of(spec.baseDir(), node);
    }

    /** The node of that name; the exception's message lists the valid names. */
    public NodeName node(String name) {
        return spec.topology().node(name);
    }

    /**
     * Writes {@code cluster.json} and every node's properties file (keeping the keys a file held
     * besides those of the topology, see {@link NodeProperties}), and starts every node that is not
     * running; a node already running reads its new keys when it next starts. A directory holding
     * another topology is refused.
     */
    public void up() {
        Optional<ClusterTopology> existing = ClusterFile.read(spec.baseDir());
        if (existing.isPresent() && !existing.get().equals(spec.topology())) {
            ClusterTopology other = existing.get();
            throw new LocalClusterException(spec.baseDir() + " already holds a cluster of " + other.controllers()
                    + " controllers and " + other.brokers() + " brokers from port " + other.portBase()
                    + "; delete its data first (wharf cluster down --delete-data) to set up another");
        }
        ClusterFile.write(spec.baseDir(), spec.topology());
        for (NodeName node : spec.topology().nodes()) {
            writeProperties(node);
            if (runningProcess(node).isEmpty()) {
                launch(node);
            }
        }
    }

    /** Starts one node; false when it was already running. */
    public boolean start(NodeName node) {
        requireKnown(node);
        if (runningProcess(node).isPresent()) {
            return false;
        }
        if (!Files.isRegularFile(paths(node).properties())) {
            writeProperties(node);
        }
        launch(node);
        return true;
    }

    /** SIGKILL: the node crashes. Waits until it is gone; false when it was not running. */
    public boolean kill(NodeName node) {
        requireKnown(node);
        Optional<ProcessHandle> process = runningProcess(node);
        if (process.isEmpty()) {
            return false;
        }
        process.get().destroyForcibly();
        awaitExit(node, process.get(), KILL_TIMEOUT);
        PidFile.delete(paths(node).pid());
        return true;
    }

    /**
     * Sends SIGKILL and returns at once with the process signalled (no waiting for it to vanish), so
     * a caller can time what follows a crash from the signal on; empty when the node was not running.
     */
    public Optional<ProcessHandle> killNoWait(NodeName node) {
        requireKnown(node);
        Optional<ProcessHandle> process = runningProcess(node);
        process.ifPresent(ProcessHandle::destroyForcibly);
        return process;
    }

    /**
     * SIGTERM: a clean stop (a controller hands over leadership, a broker shuts down in a
     * controlled way); SIGKILL if it has not exited after {@code timeout}. False when it was not
     * running.
     */
    public boolean stop(NodeName node, Duration timeout) {
        requireKnown(node);
        Optional<ProcessHandle> process = runningProcess(node);
        if (process.isEmpty()) {
            return false;
        }
        process.get().destroy();
        stopWithin(node, process.get(), timeout);
        return true;
    }

    public boolean stop(NodeName node) {
        return stop(node, STOP_TIMEOUT);
    }

    /**
     * Stops every node cleanly: the brokers together first (their controlled shutdown needs the
     * controllers), then the controllers that do not lead together, then the leader, so that no
     * election runs while the cluster goes down. The data stays.
     */
    public void down() {
        stopTogether(spec.topology().nodes().stream().filter(node -> !node.isController()).toList());
        int leaderId = describeCluster().map(DescribeClusterResponse::getLeaderId).orElse(-1);
        List<NodeName> controllers = spec.topology().nodes().stream().filter(NodeName::isController).toList();
        stopTogether(controllers.stream().filter(node -> node.id() != leaderId).toList());
        stopTogether(controllers.stream().filter(node -> node.id() == leaderId).toList());
    }

    /** Signals every one of {@code nodes} that runs, then waits for each to stop. */
    private void stopTogether(List<NodeName> nodes) {
        Map<NodeName, ProcessHandle> signalled = new LinkedHashMap<>();
        for (NodeName node : nodes) {
            runningProcess(node).ifPresent(process -> {
                process.destroy();
                signalled.put(node, process);
            });
        }
        signalled.forEach((node, process) -> stopWithin(node, process, STOP_TIMEOUT));
    }

    /** Removes the cluster directory; refused while any node runs. */
    public void deleteData() {
        List<String> running = spec.topology().nodes().stream().filter(this::isRunning).map(NodeName::toString).toList();
        if (!running.isEmpty()) {
            throw new LocalClusterException("cannot delete " + spec.baseDir() + " while " + String.join(", ", running)
                    + " run; stop them first (wharf cluster down)");
        }
        try {
            deleteRecursively(spec.baseDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + spec.baseDir(), e);
        }
    }

    public boolean isRunning(NodeName node) {
        return runningProcess(node).isPresent();
    }

    /** The pid of the node's live process. */
    public OptionalLong pid(NodeName node) {
        return runningProcess(node).map(process -> OptionalLong.of(process.pid())).orElse(OptionalLong.empty());
    }

    /** What a controller answers to DescribeCluster right now; empty when none answers within ~2 s. */
    public Optional<DescribeClusterResponse> describeCluster() {
        try {
            return Optional.of(admin().describeCluster());
        } catch (AdminException e) {
            return Optional.empty();
        }
    }

    /** Every node's process and what the controllers report, and what keeps the cluster from serving. */
    public ClusterStatus status() {
        return status(ClusterHealth.Level.SERVING);
    }

    /**
     * Waits until the cluster is healthy at {@code level} and every node answers its own
     * {@code /health/ready} (the probe an orchestrator would use). Fails at once when a node's
     * process is gone, and after {@code timeout} otherwise; the message names the problem and shows
     * the tail of the log of the node to blame.
     */
    public ClusterStatus awaitHealthy(Duration timeout, ClusterHealth.Level level) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Set<NodeName> running = runningNodes();
            Optional<NodeName> dead = spec.topology().nodes().stream().filter(node -> !running.contains(node)).findFirst();
            if (dead.isPresent()) {
                throw failure(dead.get() + " is not running", dead.get());
            }
            Optional<DescribeClusterResponse> description = describeCluster();
            List<HealthProblem> problems = new ArrayList<>(ClusterHealth.problems(spec.topology(), running,
                    description, level));
            if (problems.isEmpty()) {
                for (NodeName node : spec.topology().nodes()) {
                    readiness.notReady(spec.topology(), node).ifPresent(why -> problems.add(HealthProblem.of(node, why)));
                }
            }
            if (problems.isEmpty()) {
                return statusOf(running, description, problems);
            }
            if (System.nanoTime() - deadline > 0) {
                HealthProblem first = problems.get(0);
                NodeName blamed = first.node().orElse(NodeName.controller(1));
                throw failure("the cluster is not healthy after " + timeout.toSeconds() + " s: " + first.reason(), blamed);
            }
            pause(POLL_INTERVAL);
        }
    }

    public ClusterStatus awaitHealthy(Duration timeout) {
        return awaitHealthy(timeout, ClusterHealth.Level.SERVING);
    }

    /**
     * Waits until one node serves: a controller is leader or follower, a broker is active.
     */
    public void awaitNodeServing(NodeName node, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!isRunning(node)) {
                throw failure(node + " is not running", node);
            }
            Optional<String> state = describeCluster().flatMap(cluster -> stateOf(node, cluster));
            if (state.filter(s -> s.equals("leader") || s.equals("follower") || s.equals("active")).isPresent()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw failure(node + " does not serve after " + timeout.toSeconds() + " s (state: "
                        + state.orElse("unknown") + ")", node);
            }
            pause(POLL_INTERVAL);
        }
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
            admin = null;
        }
    }

    private ClusterStatus status(ClusterHealth.Level level) {
        Set<NodeName> running = runningNodes();
        Optional<DescribeClusterResponse> description = describeCluster();
        return statusOf(running, description, ClusterHealth.problems(spec.topology(), running, description, level));
    }

    private ClusterStatus statusOf(Set<NodeName> running, Optional<DescribeClusterResponse> description,
                                   List<HealthProblem> problems) {
        List<NodeStatus> nodes = new ArrayList<>();
        for (NodeName node : spec.topology().nodes()) {
            Long pid = running.contains(node) ? pid(node).stream().boxed().findFirst().orElse(null) : null;
            Integer raftPort = node.isController() ? spec.topology().raftPort(node) : null;
            String state = description.map(cluster -> stateOf(node, cluster).orElse(
                    node.isController() ? "unknown" : "unregistered")).orElse("unknown");
            Optional<ControllerInfo> controller = description.flatMap(cluster -> controllerInfo(node, cluster));
            Optional<BrokerInfo> broker = description.flatMap(cluster -> brokerInfo(node, cluster));
            nodes.add(new NodeStatus(node.toString(), node.role().prefix(), node.id(), pid, running.contains(node),
                    spec.topology().rpcPort(node), raftPort, spec.topology().metricsPort(node), state,
                    controller.map(ControllerInfo::getTerm).orElse(null),
                    controller.map(ControllerInfo::getAppliedIndex).orElse(null),
                    broker.map(BrokerInfo::getEpoch).orElse(null)));
        }
        return new ClusterStatus(description.map(DescribeClusterResponse::getLeaderId).orElse(-1), nodes,
                problems.stream().map(HealthProblem::reason).toList());
    }

    private static Optional<String> stateOf(NodeName node, DescribeClusterResponse cluster) {
        return node.isController()
                ? controllerInfo(node, cluster).map(ControllerInfo::getRole)
                : brokerInfo(node, cluster).map(broker -> BrokerStates.name(broker.getState()));
    }

    private static Optional<ControllerInfo> controllerInfo(NodeName node, DescribeClusterResponse cluster) {
        return node.isController()
                ? cluster.getControllersList().stream().filter(c -> c.getId() == node.id()).findFirst()
                : Optional.empty();
    }

    private static Optional<BrokerInfo> brokerInfo(NodeName node, DescribeClusterResponse cluster) {
        return node.isController()
                ? Optional.empty()
                : cluster.getBrokersList().stream().filter(b -> b.getId() == node.id()).findFirst();
    }

    private Set<NodeName> runningNodes() {
        Set<NodeName> running = new HashSet<>();
        for (NodeName node : spec.topology().nodes()) {
            if (isRunning(node)) {
                running.add(node);
            }
        }
        return running;
    }

    private Optional<ProcessHandle> runningProcess(NodeName node) {
        NodePaths paths = paths(node);
        return PidFile.liveProcess(paths.pid(), NodeCommand.marker(paths));
    }

    private void requireKnown(NodeName node) {
        spec.topology().node(node.toString()); // throws, listing the valid names, for a node not in the topology
    }

    private void writeProperties(NodeName node) {
        NodePaths paths = paths(node);
        NodeProperties.write(paths.properties(), node, NodeProperties.of(spec.topology(), node, paths,
                NodeProperties.read(paths.properties()), spec.extraProperties(node)));
    }

    private void launch(NodeName node) {
        String host = spec.topology().host(node);
        PortsInUse.first(host, spec.topology().ports(node)).ifPresent(port -> {
            throw new LocalClusterException("cannot start " + node + ": port " + port + " on " + host
                    + " is in use by another process (another cluster on the same ports?); stop it, or set this"
                    + " cluster up on other ports");
        });
        NodePaths paths = paths(node);
        try {
            Files.createDirectories(paths.data());
            emptyDirectory(paths.tmp());
            Files.writeString(paths.log(), "=== " + Instant.now() + " starting " + node + " ===\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            List<String> commandLine = new ArrayList<>(spec.launchPrefix(node));
            List<String> archiveOptions = classArchives.map(archives -> archives.jvmOptions(node, this::isRunning))
                    .orElse(List.of());
            commandLine.addAll(command.build(node, spec.mainClasses().get(node.role()), paths, archiveOptions));
            ProcessBuilder builder = new ProcessBuilder(commandLine);
            NodeCommand.DEFAULT_ENVIRONMENT.forEach(builder.environment()::putIfAbsent);
            Process process = builder
                    .directory(paths.dir().toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(paths.log().toFile()))
                    .start();
            PidFile.write(paths.pid(), process.pid());
        } catch (IOException e) {
            throw new LocalClusterException("cannot start " + node + ": " + e.getMessage(), e);
        }
    }

    /** Creates {@code dir} afresh, empty: only a node not running is launched. */
    private static void emptyDirectory(Path dir) throws IOException {
        deleteRecursively(dir);
        Files.createDirectories(dir);
    }

    /** Deletes {@code root} and all it holds; nothing when it does not exist. */
    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    private void stopWithin(NodeName node, ProcessHandle process, Duration timeout) {
        try {
            if (!ProcessLiveness.awaitGone(process, timeout)) {
                process.destroyForcibly();
                awaitExit(node, process, KILL_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalClusterException("interrupted while stopping " + node, e);
        }
        PidFile.delete(paths(node).pid());
    }

    private static void awaitExit(NodeName node, ProcessHandle process, Duration timeout) {
        try {
            if (!ProcessLiveness.awaitGone(process, timeout)) {
                throw new LocalClusterException(node + " (pid " + process.pid() + ") did not exit within "
                        + timeout.toSeconds() + " s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalClusterException("interrupted while waiting for " + node + " to exit", e);
        }
    }

    private LocalClusterException failure(String reason, NodeName blamed) {
        return new LocalClusterException(reason + "\n--- last lines of " + paths(blamed).log() + " ---\n"
                + LogTail.of(paths(blamed).log(), LOG_TAIL_LINES));
    }

    private AdminClient admin() {
        if (admin == null) {
            admin = new AdminClient(AdminClientConfig.of(spec.topology().controllerEndpoints())
                    .withAttemptTimeout(Duration.ofMillis(800))
                    .withTotalTimeout(Duration.ofMillis(1500))
                    .withRetryBackoff(Duration.ofMillis(20)), channels);
        }
        return admin;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalClusterException("interrupted while waiting for the cluster", e);
        }
    }
}
