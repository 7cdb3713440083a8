package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.broker.ProducePartition;
import io.wharf.proto.broker.ProducePartitionResult;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatchBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker whose log directory is a small tmpfs the test mounts fills it up: produce there is
 * refused with STORAGE_ERROR, the broker is fenced at its own request so the leadership moves
 * and it leaves the ISR, nothing acknowledged is lost, and once the test frees space it is
 * unfenced and rejoins the ISR (decision disk-full-fences-the-broker.md). Needs root to mount.
 */
class DiskFullTest {

    private static final int FULL_BROKER = 1;
    private static final int TMPFS_MIB = 8;
    private static final String TOPIC = "disk";

    @TempDir
    Path dir;

    @Test
    void aFullLogDirectoryMovesLeadershipKeepsAcknowledgedRecordsAndServesAgainOnceSpaceIsFreed() throws Exception {
        Path tmpfs = Files.createDirectories(dir.resolve("broker-1-tmpfs"));
        String mounted = run("mount", "-t", "tmpfs", "-o", "size=" + TMPFS_MIB + "m", "tmpfs", tmpfs.toString());
        assumeTrue(mounted.isEmpty(), "cannot mount a tmpfs (needs root): " + mounted);
        try (InProcessCluster cluster = new InProcessCluster(dir)) {
            cluster.startControllers(Map.of());
            cluster.startBroker(FULL_BROKER, Map.of(BrokerConfig.DATA_DIR, tmpfs.toString(),
                    BrokerConfig.LOG_DIR_RESUME_FREE_BYTES, Long.toString(1024 * 1024)));
            cluster.startBroker(2, Map.of());
            cluster.startBroker(3, Map.of());
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    cluster.brokers().values().stream().allMatch(BrokerNode::isActive));
            cluster.createTopic(TOPIC, 3, Map.of());
            TopicPartition tp = partitionLedBy(cluster, FULL_BROKER);
            BrokerNode full = cluster.brokers().get(FULL_BROKER);

            // Leave about 2 MiB, then produce 8 KiB records until the disk refuses one.
            Path filler = tmpfs.resolve("filler");
            fill(filler, Files.getFileStore(tmpfs).getUsableSpace() - 2 * 1024 * 1024);
            List<String> acked = new ArrayList<>();
            ProducePartitionResult refused = null;
            for (int i = 0; i < 1000 && refused == null; i++) {
                String value = "r-" + i + "-" + "x".repeat(8 * 1024);
                ProducePartitionResult result = produce(cluster, FULL_BROKER, tp, value);
                if (result.getError().getCode() == ErrorCode.NONE) {
                    acked.add(value);
                } else {
                    refused = result;
                }
            }
            assertTrue(refused != null, "the disk never filled up");
            assertEquals(ErrorCode.STORAGE_ERROR, refused.getError().getCode(), refused.getError().toString());
            assertTrue(refused.getError().getMessage().contains("no space left"), refused.getError().getMessage());
            assertFalse(acked.isEmpty());

            // Fenced at its own request: the leadership moves and the full broker leaves the ISR.
            BrokerNode observer = cluster.brokers().get(2);
            await().atMost(Duration.ofSeconds(20)).until(() -> state(observer, tp)
                    .map(p -> p.leader() != FULL_BROKER && p.leader() >= 0 && !p.isr().contains(FULL_BROKER))
                    .orElse(false));
            assertTrue(observer.metadataImage().broker(FULL_BROKER).orElseThrow().fenced());
            assertTrue(full.partitions().space().isFull());
            int newLeader = state(observer, tp).orElseThrow().leader();
            await().atMost(Duration.ofSeconds(20)).until(() -> cluster.replica(newLeader, tp)
                    .map(p -> p.isLeader()).orElse(false));
            await().atMost(Duration.ofSeconds(20)).until(() -> cluster.consumeAll(newLeader, tp).equals(acked));
            acked.addAll(cluster.produceAll(newLeader, tp, "on-the-new-leader", 5));

            // Space is freed: the broker is unfenced, catches up and rejoins the ISR.
            Files.delete(filler);
            await().atMost(Duration.ofSeconds(30)).until(() -> !full.partitions().space().isFull() && full.isActive());
            await().atMost(Duration.ofSeconds(30)).until(() -> state(observer, tp)
                    .map(p -> p.isr().contains(FULL_BROKER)).orElse(false));
            await().atMost(Duration.ofSeconds(20)).until(() -> cluster.replica(FULL_BROKER, tp)
                    .map(p -> p.log().logEndOffset() == cluster.replica(newLeader, tp).orElseThrow().log().logEndOffset())
                    .orElse(false));
            assertEquals(acked, cluster.consumeAll(cluster.awaitLeader(tp), tp));
        } finally {
            // Lazy: the closed logs' index mappings keep the mount busy until they are garbage
            // collected; detached now, the kernel frees it once they are.
            String unmounted = run("umount", "-l", tmpfs.toString());
            assertTrue(unmounted.isEmpty(), "umount -l " + tmpfs + ": " + unmounted);
        }
    }

    /** The partition of the topic that {@code brokerId} leads (placement gives each broker one of three). */
    private static TopicPartition partitionLedBy(InProcessCluster cluster, int brokerId) {
        for (int p = 0; p < 3; p++) {
            TopicPartition tp = new TopicPartition(TOPIC, p);
            if (cluster.awaitLeader(tp) == brokerId) {
                return tp;
            }
        }
        throw new AssertionError("broker " + brokerId + " leads no partition of " + TOPIC);
    }

    private static Optional<PartitionState> state(BrokerNode broker, TopicPartition tp) {
        return broker.metadataImage().topic(tp.topic()).flatMap(t -> t.partition(tp.partition()));
    }

    private static ProducePartitionResult produce(InProcessCluster cluster, int leader, TopicPartition tp, String value) {
        return cluster.stub(leader).produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000)
                .addPartitions(ProducePartition.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                        .setRecords(ByteString.copyFrom(new RecordBatchBuilder(CompressionType.NONE)
                                .append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8))
                                .build()))).build()).getPartitions(0);
    }

    /** Writes {@code bytes} bytes (in MiB chunks, the last one shorter) to {@code file}. */
    private static void fill(Path file, long bytes) throws IOException {
        byte[] chunk = new byte[1024 * 1024];
        Arrays.fill(chunk, (byte) 1);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = bytes; left > 0; left -= chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        }
    }

    /** Runs a command; returns its output when it fails, "" when it succeeds. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return String.join(" ", command) + " did not finish in 30 s";
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return process.exitValue() == 0 ? "" : "exit " + process.exitValue() + ": " + output;
    }
}
