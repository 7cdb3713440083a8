package io.wharf.controller;

import static io.wharf.controller.ControllerHttp.sample;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code /metrics} of three in-process controllers, scraped over HTTP as Prometheus would. */
class ControllerMetricsTest {

    @TempDir
    Path dir;
    private InProcessQuorum quorum;

    @BeforeEach
    void startQuorum() {
        quorum = new InProcessQuorum(3, dir, Map.of(ControllerConfig.METRICS_PORT, "0")).startAll();
        quorum.awaitLeader();
    }

    @AfterEach
    void stop() {
        quorum.close();
    }

    @Test
    void exactlyOneControllerReportsLeadingAndAllAgreeOnTheTerm() {
        await().atMost(Duration.ofSeconds(20)).until(() -> quorum.running().stream()
                .mapToDouble(node -> sample(node, "wharf_controller_is_leader")).sum() == 1.0);
        ControllerNode leader = quorum.awaitLeader();
        assertEquals(1.0, sample(leader, "wharf_controller_is_leader"));
        double term = sample(leader, "wharf_controller_raft_term");
        assertTrue(term >= 1, "a leader was elected in a term >= 1: " + term);
        for (ControllerNode node : quorum.running()) {
            assertEquals(term, sample(node, "wharf_controller_raft_term"), "controller " + node.nodeId());
            assertTrue(sample(node, "wharf_controller_leader_changes_total") >= 1,
                    "controller " + node.nodeId() + " saw the first leader");
            double since = sample(node, "wharf_controller_since_leader_change_seconds");
            assertTrue(since >= 0 && since < 60, "controller " + node.nodeId() + ": " + since);
            assertTrue(sample(node, "jvm_threads_current") > 0, "JVM metrics are served");
        }
    }

    @Test
    void aBrokerRegistrationAdvancesTheIndexesIsTimedAndCountsTheBroker() {
        ControllerNode leader = quorum.awaitLeader();
        double applied = sample(leader, "wharf_controller_raft_applied_index");
        double commands = sample(leader, "wharf_controller_command_seconds_count");
        assertEquals(0.0, sample(leader, "wharf_controller_registered_brokers"));

        new FakeBroker(quorum, 7).register(leader.nodeId());

        double appliedAfter = sample(leader, "wharf_controller_raft_applied_index");
        assertTrue(appliedAfter > applied, "the registration was applied: " + applied + " -> " + appliedAfter);
        assertTrue(sample(leader, "wharf_controller_raft_commit_index") >= appliedAfter,
                "nothing is applied before it is committed");
        assertTrue(sample(leader, "wharf_controller_command_seconds_count") > commands,
                "the registration submitted through the leader was timed");
        assertTrue(sample(leader, "wharf_controller_command_seconds_sum") > 0);
        // Every controller counts from its own image: a follower may apply the registration a little later.
        for (ControllerNode node : List.copyOf(quorum.running())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> sample(node, "wharf_controller_registered_brokers") == 1.0);
            assertEquals(1.0, sample(node, "wharf_controller_fenced_brokers"),
                    "a broker that has not heartbeated yet is fenced");
        }
    }

    @Test
    void onlyAChangeToAnotherLeaderCountsAndAStoppedRaftReportsMinusOne() throws Exception {
        // Never started: the gauges see no Raft division, and the counter is driven by hand.
        ControllerNode unstarted = new ControllerNode(quorum.config(1));
        ControllerMetrics metrics = new ControllerMetrics(unstarted, System.nanoTime());
        RaftPeerId one = RaftPeerId.valueOf("1");
        RaftPeerId two = RaftPeerId.valueOf("2");

        metrics.leaderChanged(one);
        metrics.leaderChanged(null);
        metrics.leaderChanged(one);
        assertEquals(1.0, scrape(metrics, "wharf_controller_leader_changes_total"),
                "an election that ends with the same leader is not a change");
        metrics.leaderChanged(two);
        assertEquals(2.0, scrape(metrics, "wharf_controller_leader_changes_total"));

        assertEquals(0.0, scrape(metrics, "wharf_controller_is_leader"));
        assertEquals(-1.0, scrape(metrics, "wharf_controller_raft_term"));
        assertEquals(-1.0, scrape(metrics, "wharf_controller_raft_commit_index"));
        assertEquals(-1.0, scrape(metrics, "wharf_controller_raft_applied_index"));
        assertEquals(0.0, scrape(metrics, "wharf_controller_registered_brokers"));
    }

    @Test
    void otherPathsAreNotFound() {
        HttpResponse<String> response = ControllerHttp.get(quorum.awaitLeader(), "/nothing-here");
        assertEquals(404, response.statusCode(), response.body());
    }

    private static double scrape(ControllerMetrics metrics, String name) throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(text, metrics.registry().scrape());
        String exposition = text.toString(StandardCharsets.UTF_8);
        return ControllerHttp.value(exposition, name).orElseThrow(() -> new AssertionError(name + " in:\n" + exposition));
    }
}
