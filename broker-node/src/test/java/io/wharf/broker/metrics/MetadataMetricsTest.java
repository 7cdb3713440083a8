package io.wharf.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.MetadataScript;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.metadata.AlterPartitionCommand;
import io.wharf.proto.metadata.ControlledShutdownCommand;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.DeleteTopicsCommand;
import io.wharf.proto.metadata.TopicSpec;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ISR changes and topic deletions, as the metadata follower reports them, reach the metrics. */
class MetadataMetricsTest {

    private final MetadataScript metadata = new MetadataScript();
    private final Map<Integer, BrokerMetrics> brokers = Map.of(1, new BrokerMetrics(List::of),
            2, new BrokerMetrics(List::of));
    private final Map<Integer, MetadataMetrics> listeners = Map.of(1, new MetadataMetrics(1, brokers.get(1)),
            2, new MetadataMetrics(2, brokers.get(2)));
    private final Map<Integer, Long> epochs = new HashMap<>();

    @Test
    void isrChangesAreCountedOnceOnTheLeaderOfTheNewerImage() {
        epochs.put(1, metadata.activate(1));
        epochs.put(2, metadata.activate(2));
        submit(ControllerCommand.newBuilder().setCreateTopics(CreateTopicsCommand.newBuilder()
                .addTopics(TopicSpec.newBuilder().setName("orders").setPartitions(1).setReplicationFactor(2))).build());
        PartitionState created = partition();
        int leader = created.leader();
        int follower = created.replicas().stream().filter(id -> id != leader).findFirst().orElseThrow();
        assertCounts(leader, 0, 0);

        alterIsr(leader, List.of(leader));
        assertCounts(leader, 1, 0);
        assertCounts(follower, 0, 0);

        alterIsr(leader, List.of(leader, follower));
        assertCounts(leader, 1, 1);

        // The controller moves leadership and drops the old leader from the ISR: the new leader counts it.
        submit(ControllerCommand.newBuilder().setControlledShutdown(ControlledShutdownCommand.newBuilder()
                .setBrokerId(leader).setBrokerEpoch(epochs.get(leader))).build());
        assertEquals(follower, partition().leader());
        assertEquals(List.of(follower), partition().isr());
        assertCounts(follower, 1, 0);
        assertCounts(leader, 1, 1);
    }

    @Test
    void aDeletedTopicsSeriesAreDropped() {
        metadata.activate(1);
        submit(ControllerCommand.newBuilder().setCreateTopics(CreateTopicsCommand.newBuilder()
                .addTopics(TopicSpec.newBuilder().setName("gone").setPartitions(1).setReplicationFactor(1))
                .addTopics(TopicSpec.newBuilder().setName("kept").setPartitions(1).setReplicationFactor(1))).build());
        BrokerMetrics metrics = brokers.get(1);
        ByteBuffer empty = ByteBuffer.allocate(0);
        metrics.recordProduced("gone", empty);
        metrics.recordProduced("kept", empty);

        submit(ControllerCommand.newBuilder().setDeleteTopics(DeleteTopicsCommand.newBuilder().addNames("gone"))
                .build());

        Exposition scraped = Exposition.scrape(metrics.registry());
        assertTrue(scraped.samples("wharf_bytes_in_total", "topic", "gone").isEmpty());
        assertEquals(0.0, scraped.value("wharf_bytes_in_total", "topic", "kept").orElseThrow());
    }

    private void submit(ControllerCommand command) {
        MetadataImage previous = metadata.image();
        metadata.submit(command);
        listeners.values().forEach(listener -> listener.onImageChanged(previous, metadata.image()));
    }

    private void alterIsr(int leader, List<Integer> isr) {
        PartitionState current = partition();
        submit(ControllerCommand.newBuilder().setAlterPartition(AlterPartitionCommand.newBuilder()
                .setBrokerId(leader).setBrokerEpoch(epochs.get(leader)).setTopic("orders").setPartition(0)
                .setLeaderEpoch(current.leaderEpoch()).setPartitionEpoch(current.partitionEpoch())
                .addAllNewIsr(isr)).build());
        assertEquals(isr, partition().isr());
    }

    private PartitionState partition() {
        return metadata.image().topic("orders").orElseThrow().partition(0).orElseThrow();
    }

    private void assertCounts(int broker, double shrinks, double expands) {
        Exposition scraped = Exposition.scrape(brokers.get(broker).registry());
        assertEquals(shrinks, scraped.value("wharf_isr_shrinks_total").orElseThrow(), "shrinks on broker " + broker);
        assertEquals(expands, scraped.value("wharf_isr_expands_total").orElseThrow(), "expands on broker " + broker);
    }
}
