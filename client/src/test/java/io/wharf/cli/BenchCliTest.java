package io.wharf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wharf.client.TopicPartition;
import io.wharf.client.fake.FakeCluster;
import io.wharf.proto.broker.GroupHeartbeatRequest;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wharf bench produce|consume|group-leave} end to end against fake brokers on 127.0.0.1. */
class BenchCliTest {

    @TempDir
    Path clusterDir;
    private final FakeCluster cluster = FakeCluster.network(3);
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private int run(String... args) {
        return CliCalls.execute(clusterDir, out, err, "", cluster.bootstrapString(), args);
    }

    @Test
    void produceThenConsumeReportThroughputAndLatency() throws Exception {
        cluster.createTopic("bench", 3);
        assertEquals(0, run("bench", "produce", "--topic", "bench", "--records", "3000", "--record-size", "100",
                "--throughput", "-1", "--acks", "all", "--batch-size", "16384", "--linger-ms", "5", "--json"), err.toString());
        JsonNode produced = new ObjectMapper().readTree(out.toString());
        assertEquals(3000, produced.get("records").asLong());
        assertEquals(300_000, produced.get("bytes").asLong());
        assertTrue(produced.get("records_per_sec").asDouble() > 0);
        JsonNode latency = produced.get("latency_ms");
        assertEquals(3000, latency.get("samples").asLong());
        assertTrue(latency.get("p50").asDouble() <= latency.get("p99").asDouble()
                && latency.get("p99").asDouble() <= latency.get("max").asDouble(), latency.toString());
        long stored = 0;
        for (int p = 0; p < 3; p++) {
            stored += cluster.records(new TopicPartition("bench", p)).size();
        }
        assertEquals(3000, stored);

        out.getBuffer().setLength(0);
        assertEquals(0, run("bench", "consume", "--topic", "bench", "--records", "3000"), err.toString());
        assertTrue(out.toString().matches("3000 records read, [0-9.]+ records/sec \\([0-9.]+ MB/sec\\), [0-9.]+ ms avg "
                + "latency, [0-9.]+ ms max latency, [0-9.]+ ms 50th, [0-9.]+ ms 95th, [0-9.]+ ms 99th, [0-9.]+ ms 99.9th.\\s*"),
                out.toString());
    }

    @Test
    void warmupRecordsAreReportedApartAsSteadyState() throws Exception {
        cluster.createTopic("bench", 2);
        assertEquals(0, run("bench", "produce", "--topic", "bench", "--records", "1000", "--record-size", "10",
                "--warmup-records", "400", "--reporting-interval-ms", "0"), err.toString());
        List<String> lines = out.toString().lines().toList();
        assertEquals(2, lines.size(), out.toString());
        assertTrue(lines.get(0).startsWith("1000 records sent, "), lines.get(0));
        assertTrue(lines.get(1).matches("600 steady state records sent, [0-9.]+ records/sec .* ms 99.9th\\."),
                lines.get(1));

        out.getBuffer().setLength(0);
        assertEquals(0, run("bench", "produce", "--topic", "bench", "--records", "100", "--record-size", "10",
                "--warmup-records", "30", "--json"), err.toString());
        JsonNode result = new ObjectMapper().readTree(out.toString());
        assertEquals(100, result.get("records").asLong());
        assertEquals(70, result.get("steady_state").get("records").asLong());
        assertEquals(70, result.get("steady_state").get("latency_ms").get("samples").asLong());

        assertEquals(2, run("bench", "produce", "--topic", "bench", "--records", "10", "--record-size", "10",
                "--warmup-records", "10"), "warm-up must leave records to measure");
        assertTrue(err.toString().contains("--warmup-records in [0, --records)"), err.toString());
    }

    @Test
    void keySpaceGivesRecordsThatManyDistinctKeys() throws Exception {
        cluster.createTopic("bench", 1);
        assertEquals(0, run("bench", "produce", "--topic", "bench", "--records", "50", "--record-size", "10",
                "--key-space", "7", "--reporting-interval-ms", "0"), err.toString());
        List<String> keys = cluster.records(new TopicPartition("bench", 0)).stream()
                .map(r -> new String(r.key(), java.nio.charset.StandardCharsets.UTF_8)).toList();
        assertEquals(50, keys.size());
        assertEquals("key-0", keys.get(0));
        assertEquals("key-6", keys.get(6));
        assertEquals("key-0", keys.get(7));
        assertEquals(7, java.util.Set.copyOf(keys).size());
        assertEquals(2, run("bench", "produce", "--topic", "bench", "--records", "5", "--record-size", "1",
                "--key-space", "-1"));
        assertTrue(err.toString().contains("--key-space >= 0"), err.toString());
    }

    @Test
    void throttledProduceTakesAtLeastTheScheduledTime() throws Exception {
        cluster.createTopic("bench", 1);
        long start = System.nanoTime();
        assertEquals(0, run("bench", "produce", "--topic", "bench", "--records", "50", "--record-size", "10",
                "--throughput", "100", "--reporting-interval-ms", "100", "--json"), err.toString());
        assertTrue(err.toString().lines().anyMatch(line -> line.matches("\\d+ records sent, .* ms max latency\\.")),
                "progress windows on stderr: " + err);
        assertTrue(System.nanoTime() - start >= 490_000_000L, "50 records at 100/s take about 0.5 s");
        assertTrue(new ObjectMapper().readTree(out.toString()).get("records_per_sec").asDouble() <= 110);
    }

    @Test
    void consumeAsAGroupMemberReportsTheTimeToTheFirstRecordAndCommits() throws Exception {
        cluster.createTopic("bench", 2);
        assertEquals(0, run("bench", "produce", "--topic", "bench", "--records", "400", "--record-size", "10",
                "--reporting-interval-ms", "0"), err.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("bench", "consume", "--topic", "bench", "--records", "400", "--group", "readers", "--json"),
                err.toString());
        JsonNode read = new ObjectMapper().readTree(out.toString());
        assertEquals(400, read.get("records").asLong());
        assertTrue(read.get("first_record_ms").asDouble() > 0, read.toString());
        long committed = 0;
        for (int p = 0; p < 2; p++) {
            committed += cluster.committedOffset("readers", new TopicPartition("bench", p));
        }
        assertEquals(400, committed, "the member committed what it read");
    }

    @Test
    void consumeFailsWhenTooFewRecordsExist() {
        cluster.createTopic("bench", 1);
        assertEquals(1, run("bench", "consume", "--topic", "bench", "--records", "10", "--timeout-ms", "300"));
        assertTrue(err.toString().contains("only 0 of 10 records arrived"), err.toString());
    }

    @Test
    void groupLeaveReportsEveryTrialAndTheirMedianAsJson() throws Exception {
        cluster.createTopic("leave", 3);
        assertEquals(0, run("bench", "group-leave", "--topic", "leave", "--trials", "2", "--json"), err.toString());
        JsonNode result = new ObjectMapper().readTree(out.toString());
        List<String> fields = new ArrayList<>();
        result.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("trials_ms", "median_ms", "min_ms", "max_ms"), fields);
        JsonNode trials = result.get("trials_ms");
        assertEquals(2, trials.size(), result.toString());
        for (JsonNode trial : trials) {
            assertTrue(trial.isNumber() && trial.asDouble() >= 0, result.toString());
        }
        double min = Math.min(trials.get(0).asDouble(), trials.get(1).asDouble());
        double max = Math.max(trials.get(0).asDouble(), trials.get(1).asDouble());
        assertEquals(min, result.get("min_ms").asDouble());
        assertEquals(max, result.get("max_ms").asDouble());
        assertEquals((min + max) / 2, result.get("median_ms").asDouble(), 0.051, "two trials: the mean of both");
    }

    @Test
    void groupLeaveRunsEachTrialInANewGroupWhoseTwoMembersBothLeave() {
        cluster.createTopic("leave", 2);
        assertEquals(0, run("bench", "group-leave", "--topic", "leave", "--trials", "2"), err.toString());
        List<String> lines = out.toString().lines().toList();
        assertEquals(3, lines.size(), out.toString());
        Pattern trialLine = Pattern.compile("trial (\\d): B owned all partitions [0-9.]+ ms after A began to close "
                + "\\(group (\\S+)\\)");
        Set<String> groups = new HashSet<>();
        for (int i = 0; i < 2; i++) {
            Matcher matcher = trialLine.matcher(lines.get(i));
            assertTrue(matcher.matches(), lines.get(i));
            assertEquals(String.valueOf(i + 1), matcher.group(1));
            String group = matcher.group(2);
            groups.add(group);
            List<GroupHeartbeatRequest> heartbeats = cluster.heartbeats(group);
            Set<String> members = heartbeats.stream().map(GroupHeartbeatRequest::getMemberId).collect(Collectors.toSet());
            Set<String> left = heartbeats.stream().filter(h -> h.getMemberEpoch() == -1)
                    .map(GroupHeartbeatRequest::getMemberId).collect(Collectors.toSet());
            assertEquals(2, members.size(), "two members joined " + group);
            assertEquals(members, left, "both left " + group + " with a leave heartbeat");
            assertEquals(0, cluster.groupMembers(group));
        }
        assertEquals(2, groups.size(), "every trial has a group of its own: " + groups);
        assertTrue(lines.get(2).matches("2 trials: min [0-9.]+ ms, median [0-9.]+ ms, max [0-9.]+ ms"), lines.get(2));
    }

    @Test
    void groupLeaveRefusesBadArgumentsAndTopicsItCannotMeasure() {
        cluster.createTopic("single", 1);
        assertEquals(2, run("bench", "group-leave", "--topic", "single", "--trials", "0"));
        assertTrue(err.toString().contains("--trials and --timeout-ms must be at least 1"), err.toString());
        assertEquals(2, run("bench", "group-leave", "--topic", "single", "--timeout-ms", "0"));
        assertEquals(2, run("bench", "group-leave", "--trials", "1"), "--topic is required");
        assertTrue(err.toString().contains("--topic"), err.toString());

        err.getBuffer().setLength(0);
        assertEquals(2, run("bench", "group-leave", "--topic", "single"));
        assertTrue(err.toString().contains("topic single has 1 partition(s)"), err.toString());

        err.getBuffer().setLength(0);
        assertEquals(1, run("bench", "group-leave", "--topic", "missing", "--timeout-ms", "300"));
        assertTrue(err.toString().contains("UNKNOWN_TOPIC"), err.toString());
    }
}
