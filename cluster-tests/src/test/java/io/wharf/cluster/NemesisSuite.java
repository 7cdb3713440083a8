package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.BrokerConfig;
import io.wharf.cli.cluster.ClusterTopology;
import io.wharf.client.admin.NewTopic;
import io.wharf.metadata.QueueNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nemesis suite's setup, shared by the short run of every build and the long one of the
 * {@code nemesis} profile: a cluster of 3 controllers and 3 brokers named {@code nemesis} on ports
 * from 29000, each node in a network namespace of its own where namespaces can be made (else on
 * 127.0.0.1, and the schedule has no partitions), a topic of 3 partitions (RF 3,
 * min.insync.replicas 2) and a replicated queue for the workloads, every nemesis (the brokers run
 * with disk fault injection on, driven by {@link BrokerDisks}, and with short consumer group
 * sessions), and a {@link NemesisRun} of the
 * seeded schedule. Owns the cluster and the namespaces until {@link #close()}.
 */
final class NemesisSuite implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NemesisSuite.class);
    private static final String NAME = "nemesis";
    private static final int PORT_BASE = 29000;
    private static final int PARTITIONS = 3;
    private static final String QUEUE = "nemesis-jobs";
    /**
     * Group sessions short enough for a fault to fence a member of {@link GroupWorkload} (Kafka's
     * 45 s would outlast every fault), with heartbeats well inside them.
     */
    private static final Map<String, String> BROKER_PROPERTIES = Map.of(
            BrokerConfig.GROUP_MIN_SESSION_TIMEOUT_MS, String.valueOf(GroupWorkload.SESSION_TIMEOUT.toMillis()),
            BrokerConfig.GROUP_MIN_HEARTBEAT_INTERVAL_MS, "1000",
            BrokerConfig.GROUP_HEARTBEAT_INTERVAL_MS, "1000");

    private final ProcessCluster cluster;
    private final Optional<NetworkNamespaces> network;
    private final BrokerDisks disks;

    private NemesisSuite(ProcessCluster cluster, Optional<NetworkNamespaces> network, BrokerDisks disks) {
        this.cluster = cluster;
        this.network = network;
        this.disks = disks;
    }

    /**
     * Starts the suite (with network partitions where namespaces can be made), runs {@code faults}
     * faults of the schedule of {@code seed}, checks the history and that every fault was
     * injected, and stops the cluster.
     */
    static NemesisRun.Report runChecked(long seed, int faults) {
        try (NemesisSuite suite = start(NetworkNamespaces.available())) {
            NemesisRun.Report report = suite.run(seed, faults);
            assertEquals(faults, report.faultsByKind().values().stream().mapToInt(Integer::intValue).sum(),
                    "faults injected");
            return report;
        }
    }

    /**
     * Starts the cluster, in network namespaces when {@code withPartitions}, and creates the
     * workload's topic.
     */
    static NemesisSuite start(boolean withPartitions) {
        Optional<NetworkNamespaces> network = Optional.empty();
        // Outside the cluster's directory, which ProcessCluster.start deletes.
        BrokerDisks disks = new BrokerDisks(Path.of(System.getProperty("wharf.cluster.dir", "target/clusters"))
                .resolve(NAME + "-disk-faults"));
        ProcessCluster cluster;
        if (withPartitions) {
            network = Optional.of(NetworkNamespaces.create(new ClusterTopology(ClusterTopology.DEFAULT_HOST,
                    PORT_BASE, 3, 3).nodes()));
            try {
                cluster = ProcessCluster.start(NAME, PORT_BASE, 3, 3, BROKER_PROPERTIES, network.get().hosts(),
                        network.get().launchPrefixes(), disks.jvmOptions());
            } catch (RuntimeException e) {
                network.get().close();
                throw e;
            }
        } else {
            LOG.warn("network namespaces cannot be made here (root, CAP_NET_ADMIN and `ip` are needed): "
                    + "the schedule has no network partitions");
            cluster = ProcessCluster.start(NAME, PORT_BASE, 3, 3, BROKER_PROPERTIES, Map.of(), Map.of(), disks.jvmOptions());
        }
        NemesisSuite suite = new NemesisSuite(cluster, network, disks);
        try {
            assertTrue(cluster.admin().createTopics(List.of(new NewTopic(NAME, PARTITIONS, 3,
                    Map.of("min.insync.replicas", "2")))).get(0).succeeded());
            cluster.admin().declareQueue(QUEUE, Map.of());
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> cluster.fullyReplicated(NAME)
                    && cluster.fullyReplicated(QueueNames.topicFor(QUEUE)));
        } catch (RuntimeException | AssertionError e) {
            suite.close();
            throw e;
        }
        return suite;
    }

    /**
     * Runs {@code faults} faults of the schedule of {@code seed} and checks the history; with the
     * queue workload unless {@code -Dnemesis.queue=false}.
     */
    NemesisRun.Report run(long seed, int faults) {
        Victims victims = new Victims(cluster, NAME, PARTITIONS);
        List<Nemesis> nemeses = new ArrayList<>(List.of(new KillNemesis(cluster, victims),
                new PauseNemesis(cluster, victims), new CorruptRestartNemesis(cluster, victims, NAME, PARTITIONS),
                new SlowDiskNemesis(disks, victims), new FailingDiskNemesis(cluster, disks, victims)));
        network.ifPresent(namespaces -> nemeses.add(new PartitionNemesis(namespaces, victims,
                cluster.launcher().topology().nodes())));
        FaultSchedule schedule = FaultSchedule.plan(seed, faults, nemeses);
        Optional<String> queue = Boolean.parseBoolean(System.getProperty("nemesis.queue", "true"))
                ? Optional.of(QUEUE) : Optional.empty();
        NemesisRun.Report report = new NemesisRun(cluster, NAME, PARTITIONS, queue, nemeses).run(schedule);
        LOG.info("nemesis run of seed {}: {}", seed, report);
        return report;
    }

    @Override
    public void close() {
        try {
            // Links restored first: the brokers' controlled shutdown needs the controllers.
            network.ifPresent(NetworkNamespaces::healAll);
            cluster.close();
        } finally {
            network.ifPresent(NetworkNamespaces::close);
        }
    }
}
