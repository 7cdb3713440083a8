package io.wharf.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.metadata.FenceBrokerRecord;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.MetadataRecordBatch;
import io.wharf.proto.metadata.PartitionChangeRecord;
import io.wharf.proto.metadata.PartitionRecord;
import io.wharf.proto.metadata.RegisterBrokerRecord;
import io.wharf.proto.metadata.RemoveTopicRecord;
import io.wharf.proto.metadata.TopicConfigRecord;
import io.wharf.proto.metadata.TopicRecord;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MetadataImageTest {

    private static MetadataRecord register(int id, long epoch) {
        return MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder()
                .setBrokerId(id).setBrokerEpoch(epoch).setHost("h").setPort(1)).build();
    }

    private static MetadataRecord topic(String name) {
        return MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName(name).setTopicId(name + "-id")).build();
    }

    private static MetadataRecord partition(String topic, int index, List<Integer> replicas, List<Integer> isr, int leader) {
        return MetadataRecord.newBuilder().setPartition(PartitionRecord.newBuilder().setTopic(topic).setPartition(index)
                .addAllReplicas(replicas).addAllIsr(isr).setLeader(leader)).build();
    }

    private static MetadataRecord change(String topic, int index, int leader, List<Integer> isr, int le, int pe) {
        return MetadataRecord.newBuilder().setPartitionChange(PartitionChangeRecord.newBuilder().setTopic(topic)
                .setPartition(index).setLeader(leader).addAllIsr(isr).setLeaderEpoch(le).setPartitionEpoch(pe)).build();
    }

    private static MetadataRecordBatch batch(long offset, MetadataRecord... records) {
        return MetadataRecordBatch.newBuilder().setOffset(offset).addAllRecords(List.of(records)).build();
    }

    private static MetadataImage twoTopics() {
        return MetadataImage.empty().apply(batch(5, register(0, 1), register(1, 2),
                topic("x"), partition("x", 0, List.of(0, 1), List.of(0, 1), 0),
                topic("y"), partition("y", 0, List.of(1), List.of(1), 1)));
    }

    @Test
    void emptyImageHasNoOffsetBrokersOrTopics() {
        MetadataImage empty = MetadataImage.empty();
        assertEquals(-1, empty.offset());
        assertTrue(empty.brokers().isEmpty());
        assertTrue(empty.topics().isEmpty());
        assertTrue(empty.activeBrokerIds().isEmpty());
    }

    @Test
    void applyFoldsRecordsInOrderAndTakesTheBatchOffset() {
        MetadataImage image = twoTopics();
        assertEquals(5, image.offset());
        assertEquals(List.of(0, 1), List.copyOf(image.brokers().keySet()));
        assertTrue(image.brokers().get(0).fenced(), "registered brokers start fenced");
        assertEquals(List.of("x", "y"), List.copyOf(image.topics().keySet()));
        assertEquals(new PartitionState(0, List.of(0, 1), List.of(0, 1), 0, 0, 0),
                image.topic("x").orElseThrow().partitions().get(0));

        MetadataImage changed = image.apply(batch(6, change("x", 0, 1, List.of(1), 1, 1),
                MetadataRecord.newBuilder().setTopicConfig(TopicConfigRecord.newBuilder().setTopic("x")
                        .putConfigs("retention.ms", "1")).build()));
        assertEquals(new PartitionState(0, List.of(0, 1), List.of(1), 1, 1, 1),
                changed.topic("x").orElseThrow().partitions().get(0));
        assertEquals(Map.of("retention.ms", "1"), changed.topic("x").orElseThrow().configs());
    }

    @Test
    void unchangedTopicsAreSharedWithThePreviousImage() {
        MetadataImage image = twoTopics();
        MetadataImage changed = image.apply(batch(6, change("x", 0, 1, List.of(1), 1, 1)));
        assertSame(image.topic("y").orElseThrow(), changed.topic("y").orElseThrow());
        assertNotSame(image.topic("x").orElseThrow(), changed.topic("x").orElseThrow());

        MetadataImage brokersOnly = image.apply(batch(7, MetadataRecord.newBuilder()
                .setFenceBroker(FenceBrokerRecord.newBuilder().setBrokerId(0).setBrokerEpoch(1)).build()));
        assertSame(image.topics(), brokersOnly.topics());
    }

    @Test
    void removingATopicChangedInTheSameBatchRemovesIt() {
        MetadataImage image = twoTopics().apply(batch(6, change("x", 0, 1, List.of(1), 1, 1),
                MetadataRecord.newBuilder().setRemoveTopic(RemoveTopicRecord.newBuilder().setName("x").setTopicId("x-id")).build(),
                topic("x")));
        assertTrue(image.topic("x").orElseThrow().partitions().isEmpty());
        assertEquals("x-id", image.topic("x").orElseThrow().topicId());
    }

    @Test
    void inconsistentRecordsAreFatalWithContext() {
        MetadataImage image = twoTopics();
        List<MetadataRecordBatch> bad = List.of(
                batch(6, change("nope", 0, 0, List.of(0), 1, 1)),
                batch(6, change("x", 7, 0, List.of(0), 1, 1)),
                batch(6, change("x", 0, 0, List.of(0), 0, 0)),
                batch(6, change("x", 0, 2, List.of(2), 1, 1)),
                batch(6, change("x", 0, 0, List.of(), 1, 1)),
                batch(6, topic("x")),
                batch(6, partition("x", 0, List.of(0), List.of(0), 0)),
                batch(6, partition("y", 1, List.of(0, 0), List.of(0), 0)),
                batch(6, partition("y", 1, List.of(0, 1), List.of(0), 1)),
                batch(6, register(1, 2)),
                batch(6, MetadataRecord.newBuilder().setFenceBroker(FenceBrokerRecord.newBuilder().setBrokerId(9)).build()),
                batch(6, MetadataRecord.newBuilder().setRemoveTopic(RemoveTopicRecord.newBuilder().setName("x").setTopicId("other")).build()),
                batch(6, MetadataRecord.getDefaultInstance()),
                batch(5),
                batch(4));
        for (MetadataRecordBatch batch : bad) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> image.apply(batch), batch::toString);
            assertTrue(e.getMessage().contains("offset"), e.getMessage());
        }
        assertEquals(twoTopics(), image, "a failed apply leaves the image untouched");
    }

    @Test
    void collectionsAreUnmodifiable() {
        MetadataImage image = twoTopics();
        assertThrows(UnsupportedOperationException.class, () -> image.topics().clear());
        assertThrows(UnsupportedOperationException.class, () -> image.brokers().clear());
        TopicImage x = image.topic("x").orElseThrow();
        assertThrows(UnsupportedOperationException.class, () -> x.partitions().clear());
        assertThrows(UnsupportedOperationException.class, () -> x.configs().put("a", "b"));
        assertThrows(UnsupportedOperationException.class, () -> x.partitions().get(0).isr().add(3));
    }

    @Test
    void valueTypesCopyTheirInputs() {
        TreeMap<String, String> configs = new TreeMap<>(Map.of("retention.ms", "1"));
        TopicImage topic = new TopicImage("t", "id", new TreeMap<>(), configs);
        configs.put("retention.bytes", "2");
        assertEquals(Map.of("retention.ms", "1"), topic.configs());
    }

    @Test
    void equalityIsByValueIncludingOffset() {
        assertEquals(twoTopics(), twoTopics());
        assertEquals(twoTopics().hashCode(), twoTopics().hashCode());
        MetadataImage later = twoTopics().apply(batch(9));
        assertNotEquals(twoTopics(), later);
        Cluster.assertUnchangedExceptOffset(twoTopics(), later);
    }
}
