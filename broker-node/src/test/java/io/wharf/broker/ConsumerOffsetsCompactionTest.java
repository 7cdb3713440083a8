package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.group.OffsetsTopic;
import io.wharf.broker.metrics.Exposition;
import io.wharf.broker.partition.Partition;
import io.wharf.proto.broker.FindCoordinatorRequest;
import io.wharf.proto.broker.OffsetCommitPartition;
import io.wharf.proto.broker.OffsetCommitRequest;
import io.wharf.proto.broker.OffsetCommitResponse;
import io.wharf.proto.broker.OffsetFetchRequest;
import io.wharf.proto.broker.OffsetFetchResponse;
import io.wharf.proto.common.ErrorCode;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatches;
import io.wharf.replication.log.CleanupPolicy;
import io.wharf.replication.log.Log;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code __consumer_offsets} as the broker creates it, compacted, with small segments: the log
 * cleaner drops the superseded offset commits of a busy group, and a broker that restarts
 * rebuilds the group from the compacted log with every latest offset.
 */
class ConsumerOffsetsCompactionTest {

    private static final String GROUP = "settlement";
    private static final int PARTITIONS = 3;
    private static final int COMMITS = 150;

    @TempDir
    Path dir;

    private InProcessCluster cluster;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new InProcessCluster(dir);
        cluster.startControllers(Map.of());
        startBroker();
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.brokers().get(1).isActive());
    }

    private void startBroker() throws Exception {
        cluster.startBroker(1, Map.of(BrokerConfig.OFFSETS_TOPIC_NUM_PARTITIONS, "1",
                BrokerConfig.OFFSETS_TOPIC_SEGMENT_BYTES, "1024", BrokerConfig.LOG_CLEANER_BACKOFF_MS, "50"));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        cluster.close();
    }

    @Test
    void theCleanerDropsSupersededCommitsAndARestartRebuildsTheLatestOffsets() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.stub(1).findCoordinator(FindCoordinatorRequest
                .newBuilder().setGroupId(GROUP).build()).getError().getCode() == ErrorCode.NONE);
        TopicPartition offsets = new TopicPartition(OffsetsTopic.NAME, 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.replica(1, offsets).map(Partition::isLeader)
                .orElse(false));
        Partition replica = cluster.replica(1, offsets).orElseThrow();
        assertEquals(CleanupPolicy.COMPACT, replica.log().config().cleanupPolicy());
        assertEquals(1024, replica.log().config().segmentBytes(), "offsets.topic.segment.bytes");

        Map<String, Long> latest = new HashMap<>();
        for (int i = 0; i < COMMITS; i++) {
            int partition = i % PARTITIONS;
            commit(partition, i);
            latest.put("ad-clicks-" + partition, (long) i);
        }
        // The cleaner (every 50 ms here) compacts the closed 1 KiB segments while the commits go on.
        Log log = replica.log();
        await().atMost(Duration.ofSeconds(30)).until(() -> records(log) < COMMITS / 2);
        assertTrue(Exposition.scrape(cluster.brokers().get(1).metrics().registry())
                .value("wharf_log_cleaner_cleanings_total").orElseThrow() >= 1);
        assertEquals(latest, fetchOffsets());

        cluster.stopBroker(1);
        startBroker();
        assertEquals(latest, fetchOffsets(), "the group rebuilt from the compacted log");
    }

    /** The records left in {@code log}, segment by segment (a read stops at a segment's end). */
    private static int records(Log log) {
        int count = 0;
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            ByteBuffer copy = log.readCopy(offset, 1 << 20, log.logEndOffset());
            if (!copy.hasRemaining()) {
                break;
            }
            for (RecordBatch batch : RecordBatches.iterate(copy)) {
                count += batch.records().size();
                offset = batch.nextOffset();
            }
        }
        return count;
    }

    /** An admin commit (the group has no members), sent again while the coordinator is not ready to take it. */
    private void commit(int partition, long offset) {
        OffsetCommitRequest request = OffsetCommitRequest.newBuilder().setGroupId(GROUP).setMemberEpoch(-1)
                .addPartitions(OffsetCommitPartition.newBuilder().setTopic("ad-clicks").setPartition(partition)
                        .setOffset(offset).setLeaderEpoch(-1)).build();
        OffsetCommitResponse[] last = new OffsetCommitResponse[1];
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            last[0] = cluster.stub(1).offsetCommit(request);
            return last[0].getError().getCode() == ErrorCode.NONE || !isRetriable(last[0].getError().getCode());
        });
        assertEquals(ErrorCode.NONE, last[0].getError().getCode(), last[0].toString());
        assertEquals(ErrorCode.NONE, last[0].getPartitions(0).getError().getCode(), last[0].toString());
    }

    /** The group's offsets, once the coordinator (after a restart: once it has replayed its log) answers. */
    private Map<String, Long> fetchOffsets() {
        OffsetFetchRequest request = OffsetFetchRequest.newBuilder().setGroupId(GROUP).build();
        OffsetFetchResponse[] last = new OffsetFetchResponse[1];
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            last[0] = cluster.stub(1).offsetFetch(request);
            return last[0].getError().getCode() == ErrorCode.NONE || !isRetriable(last[0].getError().getCode());
        });
        OffsetFetchResponse response = last[0];
        assertEquals(ErrorCode.NONE, response.getError().getCode(), response.toString());
        Map<String, Long> offsets = new HashMap<>();
        response.getOffsetsList().forEach(o -> offsets.put(o.getTopic() + "-" + o.getPartition(), o.getOffset()));
        return offsets;
    }

    private static boolean isRetriable(ErrorCode code) {
        return code == ErrorCode.NOT_COORDINATOR || code == ErrorCode.COORDINATOR_NOT_AVAILABLE
                || code == ErrorCode.REQUEST_TIMED_OUT;
    }
}
