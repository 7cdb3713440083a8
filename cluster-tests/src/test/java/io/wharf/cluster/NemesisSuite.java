package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.admin.NewTopic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nemesis suite's setup, shared by the short run of every build and the long one of the
 * {@code nemesis} profile: a cluster of 3 controllers and 3 brokers named {@code nemesis} on ports
 * from 29000, a topic of 3 partitions (RF 3, min.insync.replicas 2), every nemesis, and a
 * {@link NemesisRun} of the seeded schedule. Owns the cluster until {@link #close()}.
 */
final class NemesisSuite implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NemesisSuite.class);
    private static final String NAME = "nemesis";
    private static final int PORT_BASE = 29000;
    private static final int PARTITIONS = 3;

    private final ProcessCluster cluster;

    private NemesisSuite(ProcessCluster cluster) {
        this.cluster = cluster;
    }

    /** Starts the cluster and creates the workload's topic. */
    static NemesisSuite start() {
        ProcessCluster cluster = ProcessCluster.start(NAME, PORT_BASE, 3, 3);
        NemesisSuite suite = new NemesisSuite(cluster);
        try {
            assertTrue(cluster.admin().createTopics(List.of(new NewTopic(NAME, PARTITIONS, 3,
                    Map.of("min.insync.replicas", "2")))).get(0).succeeded());
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.fullyReplicated(NAME));
        } catch (RuntimeException | AssertionError e) {
            suite.close();
            throw e;
        }
        return suite;
    }

    /** Runs {@code faults} faults of the schedule of {@code seed} and checks the history. */
    NemesisRun.Report run(long seed, int faults) {
        Victims victims = new Victims(cluster, NAME, PARTITIONS);
        List<Nemesis> nemeses = new ArrayList<>(List.of(new KillNemesis(cluster, victims),
                new PauseNemesis(cluster, victims), new CorruptRestartNemesis(cluster, victims, NAME, PARTITIONS)));
        FaultSchedule schedule = FaultSchedule.plan(seed, faults, nemeses);
        NemesisRun.Report report = new NemesisRun(cluster, NAME, PARTITIONS, nemeses).run(schedule);
        LOG.info("nemesis run of seed {}: {}", seed, report);
        return report;
    }

    @Override
    public void close() {
        cluster.close();
    }
}
