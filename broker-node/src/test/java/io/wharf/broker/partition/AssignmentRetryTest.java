package io.wharf.broker.partition;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.MetadataScript;
import io.wharf.broker.TopicPartition;
import io.wharf.metadata.MetadataImage;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.TopicSpec;
import io.wharf.replication.log.FlushMode;
import io.wharf.replication.log.LogFileChannels;
import io.wharf.replication.log.RetentionPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A topic whose replicas fail to apply does not stop the other topics of the same image, and is
 * applied again until it succeeds, without waiting for another metadata change.
 */
class AssignmentRetryTest {

    @TempDir
    Path dataDir;

    private final MetadataScript metadata = new MetadataScript();
    private PartitionRegistry registry;

    @AfterEach
    void close() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void aTopicThatFailsToOpenIsRetriedAndTheOthersApplyMeanwhile() throws Exception {
        metadata.activate(1);
        metadata.submit(ControllerCommand.newBuilder().setCreateTopics(CreateTopicsCommand.newBuilder()
                .addTopics(TopicSpec.newBuilder().setName("a").setPartitions(2).setReplicationFactor(1))
                .addTopics(TopicSpec.newBuilder().setName("b").setPartitions(1).setReplicationFactor(1))
                .addTopics(TopicSpec.newBuilder().setName("c").setPartitions(1).setReplicationFactor(1))).build());
        // A plain file where a-0's directory must go: opening that replica fails until it is gone.
        Path blocker = Files.writeString(dataDir.resolve("a-0"), "not a directory");
        registry = new PartitionRegistry(new PartitionRegistry.Settings(1, dataDir, FlushMode.SYNC, 5000,
                Duration.ofHours(1), RetentionPolicy.KEEP_FOREVER, Duration.ofHours(1), Duration.ofDays(1),
                CleanerThreadTest.DISABLED, 1),
                Clock.systemUTC(), fsyncNanos -> { }, LogFileChannels.DEFAULT, CleanerThreadTest.IGNORED);
        registry.onImageChanged(MetadataImage.empty(), metadata.image());

        await().atMost(Duration.ofSeconds(10)).until(() -> leads("a", 1) && leads("b", 0) && leads("c", 0));
        assertTrue(registry.partition(new TopicPartition("a", 0)).isEmpty(), "a-0 cannot be opened yet");

        Files.delete(blocker);
        // No new metadata: the retry alone must bring a-0 in line with its assignment.
        await().atMost(Duration.ofSeconds(10)).until(() -> leads("a", 0));
    }

    private boolean leads(String topic, int partition) {
        return registry.partition(new TopicPartition(topic, partition)).map(Partition::isLeader).orElse(false);
    }
}
