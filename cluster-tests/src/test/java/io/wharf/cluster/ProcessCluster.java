package io.wharf.cluster;

import static org.awaitility.Awaitility.await;

import io.wharf.cli.cluster.ClusterSpec;
import io.wharf.cli.cluster.ClusterTopology;
import io.wharf.cli.cluster.LocalCluster;
import io.wharf.cli.cluster.NodeClassArchives;
import io.wharf.cli.cluster.NodeName;
import io.wharf.cli.cluster.NodeRole;
import io.wharf.client.admin.AdminClient;
import io.wharf.client.admin.AdminClientConfig;
import io.wharf.client.admin.AdminException;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.TopicDescription;
import io.wharf.proto.controller.ControllerInfo;
import io.wharf.proto.controller.DescribeClusterResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster of real node processes for one test class: each controller and broker its own JVM,
 * started through the same {@link LocalCluster} launcher {@code ./wharf cluster up} uses, plus an
 * admin client and the queries the failure tests share. Not thread-safe; owned by the test.
 */
final class ProcessCluster implements AutoCloseable {

    static final Duration STARTUP = Duration.ofSeconds(90);
    private static final Logger LOG = LoggerFactory.getLogger(ProcessCluster.class);
    private static final Path LIB = Path.of(System.getProperty("wharf.repo.dir", "..")).resolve("deploy/target/lib")
            .toAbsolutePath().normalize();
    /**
     * The nodes run the distribution's jars, as {@code ./wharf cluster up} does (this module depends
     * on {@code wharf-deploy}, which puts them there first), rather than the test class path: a class
     * path of jars lets them map class-data sharing archives, which cut a cluster's start on two
     * cores from ~20 s to ~11 s. Outside a reactor build the test class path is the fallback.
     */
    private static final String NODE_CLASSPATH = Files.isDirectory(LIB) ? LIB + "/*"
            : System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    /** Kept apart from {@code ./wharf}'s in {@code deploy/target}: a developer's cluster may run meanwhile. */
    private static final Optional<NodeClassArchives> ARCHIVES = NodeClassArchives.forClasspath(NODE_CLASSPATH,
            createdDirectory(Path.of(System.getProperty("wharf.cluster.dir", "target/clusters"), "class-archives")));

    private final LocalCluster cluster;
    private final AdminClient admin;

    private ProcessCluster(LocalCluster cluster) {
        this.cluster = cluster;
        this.admin = new AdminClient(AdminClientConfig.of(cluster.topology().controllerEndpoints())
                .withTotalTimeout(Duration.ofSeconds(30)));
    }

    /** Starts a fresh cluster under the build directory, on ports from {@code portBase}. */
    static ProcessCluster start(String name, int portBase, int controllers, int brokers) {
        return start(name, portBase, controllers, brokers, Map.of());
    }

    /** As {@link #start(String, int, int, int)}, with {@code brokerProperties} added to every broker's config. */
    static ProcessCluster start(String name, int portBase, int controllers, int brokers,
                                Map<String, String> brokerProperties) {
        return start(name, portBase, controllers, brokers, brokerProperties, Map.of(), Map.of());
    }

    /**
     * As {@link #start(String, int, int, int, Map)}, with nodes listening on hosts of their own
     * ({@code nodeHosts}, by node name) and launched behind {@code launchPrefixes} (by node name):
     * how a test puts each node in a network namespace of its own.
     */
    static ProcessCluster start(String name, int portBase, int controllers, int brokers,
                                Map<String, String> brokerProperties, Map<String, String> nodeHosts,
                                Map<String, List<String>> launchPrefixes) {
        return start(name, portBase, controllers, brokers, brokerProperties, nodeHosts, launchPrefixes, List.of());
    }

    /**
     * As {@link #start(String, int, int, int, Map, Map, Map)}, with {@code extraJvmOptions} after
     * the default JVM options of every node (e.g. a system property a test hook reads).
     */
    static ProcessCluster start(String name, int portBase, int controllers, int brokers,
                                Map<String, String> brokerProperties, Map<String, String> nodeHosts,
                                Map<String, List<String>> launchPrefixes, List<String> extraJvmOptions) {
        Path dir = Path.of(System.getProperty("wharf.cluster.dir", "target/clusters")).resolve(name);
        deleteRecursively(dir);
        String classpath = NODE_CLASSPATH;
        ClusterSpec defaults = ClusterSpec.of(dir, new ClusterTopology(ClusterTopology.DEFAULT_HOST, portBase,
                controllers, brokers, nodeHosts), classpath, Map.of());
        ClusterSpec spec = new ClusterSpec(defaults.baseDir(), defaults.topology(), classpath, Map.of(),
                brokerProperties, defaults.jvmOptions(), defaults.logbackConfig(), defaults.mainClasses(),
                launchPrefixes);
        if (!extraJvmOptions.isEmpty()) {
            List<String> options = new ArrayList<>(spec.jvmOptions());
            options.addAll(extraJvmOptions);
            spec = spec.withJvmOptions(options);
        }
        LocalCluster cluster = new LocalCluster(spec, ARCHIVES);
        try {
            cluster.up();
            cluster.awaitHealthy(STARTUP);
        } catch (RuntimeException e) {
            cluster.down();
            cluster.close();
            throw e;
        }
        return new ProcessCluster(cluster);
    }

    LocalCluster launcher() {
        return cluster;
    }

    AdminClient admin() {
        return admin;
    }

    NodeName controller(int id) {
        return cluster.node("controller-" + id);
    }

    NodeName broker(int id) {
        return cluster.node("broker-" + id);
    }

    DescribeClusterResponse describe() {
        return admin.describeCluster();
    }

    /** The leader controller's info, if the answering controller knows one. */
    Optional<ControllerInfo> leader() {
        DescribeClusterResponse cluster = describe();
        return cluster.getControllersList().stream().filter(c -> c.getId() == cluster.getLeaderId()).findFirst();
    }

    Optional<BrokerInfo> broker(DescribeClusterResponse cluster, int id) {
        return cluster.getBrokersList().stream().filter(b -> b.getId() == id).findFirst();
    }

    boolean brokerIs(int id, BrokerState state) {
        return broker(describe(), id).map(b -> b.getState() == state).orElse(false);
    }

    List<TopicDescription> topics() {
        return admin.describeTopics(List.of()).topics();
    }

    /** The partition as the controllers describe it now. */
    PartitionInfo partition(String topic, int partition) {
        return admin.describeTopics(List.of(topic)).topics().get(0).getPartitions(partition);
    }

    /** True when every partition of {@code topic} has a leader and all its replicas in the ISR. */
    boolean fullyReplicated(String topic) {
        TopicDescription description = admin.describeTopics(List.of(topic)).topics().get(0);
        return description.getPartitionsList().stream().allMatch(p -> p.getLeader() >= 0
                && p.getIsrCount() == p.getReplicasCount());
    }

    /**
     * Waits until every replica of {@code topic} is back in the ISR, then asserts that the replicas
     * of each partition are identical on disk below {@code highWatermarks} (see {@link ReplicaLogs}).
     *
     * @return one replica of each partition, by partition
     */
    Map<Integer, ReplicaLogs.Replica> assertReplicasIdentical(String topic, Map<Integer, Long> highWatermarks,
                                                              Duration timeout) {
        await(topic + " fully replicated").atMost(timeout)
                .ignoreException(AdminException.class).until(() -> fullyReplicated(topic));
        Map<Integer, ReplicaLogs.Replica> replicas = new TreeMap<>();
        for (PartitionInfo p : admin.describeTopics(List.of(topic)).topics().get(0).getPartitionsList()) {
            replicas.put(p.getPartition(), ReplicaLogs.assertIdenticalUpTo(this, topic, p.getPartition(),
                    p.getReplicasList(), highWatermarks.get(p.getPartition()), timeout).get(0));
        }
        return replicas;
    }

    /** Partitions (as "topic-p") led by {@code brokerId}. */
    List<String> ledBy(int brokerId) {
        List<String> led = new ArrayList<>();
        for (TopicDescription topic : topics()) {
            for (PartitionInfo p : topic.getPartitionsList()) {
                if (p.getLeader() == brokerId) {
                    led.add(topic.getName() + "-" + p.getPartition());
                }
            }
        }
        return led;
    }

    /**
     * Throws the cluster away: every node is killed (SIGKILL) rather than stopped cleanly, since
     * its directory is deleted at the next start anyway, and a clean stop of three controllers one
     * after another takes 10–16 s of the suite's time where killing them all takes about one.
     */
    @Override
    public void close() {
        admin.close();
        if (ARCHIVES.isPresent() && !(ARCHIVES.get().hasCurrentArchive(NodeRole.CONTROLLER)
                && ARCHIVES.get().hasCurrentArchive(NodeRole.BROKER))) {
            // A node writes its class-data archive only when it exits cleanly: the first cluster
            // of a build stops so, and every later one starts from the archives. Whatever does not
            // stop is killed below.
            try {
                cluster.down();
            } catch (RuntimeException e) {
                LOG.warn("a clean stop of the cluster failed; its nodes are killed and write no class-data archive",
                        e);
            }
        }
        List<NodeName> nodes = cluster.topology().nodes();
        nodes.forEach(cluster::killNoWait);
        nodes.forEach(cluster::kill);
        cluster.close();
    }

    private static Path createdDirectory(Path dir) {
        try {
            return Files.createDirectories(dir.toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
