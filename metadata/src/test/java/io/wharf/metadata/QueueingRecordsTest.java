package io.wharf.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.metadata.BindingRecord;
import io.wharf.proto.metadata.ExchangeRecord;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.MetadataRecordBatch;
import io.wharf.proto.metadata.QueueRecord;
import io.wharf.proto.metadata.RemoveBindingRecord;
import io.wharf.proto.metadata.RemoveExchangeRecord;
import io.wharf.proto.metadata.RemoveQueueRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Records that do not fit the image are refused on apply, so a replica stops rather than diverges. */
class QueueingRecordsTest {

    private final Cluster cluster = Cluster.withActiveBrokers(1);

    QueueingRecordsTest() {
        cluster.ok(Commands.declareExchange("x", ExchangeType.DIRECT));
        cluster.ok(Commands.declareQueue("q"));
    }

    private void refused(MetadataRecord.Builder record) {
        MetadataImage image = cluster.image();
        assertThrows(IllegalStateException.class, () -> image.apply(MetadataRecordBatch.newBuilder()
                .setOffset(image.offset() + 1).addRecords(record).build()));
    }

    @Test
    void inconsistentRecordsAreRefused() {
        refused(MetadataRecord.newBuilder().setExchange(ExchangeRecord.newBuilder().setName("amq.topic")
                .setType(ExchangeType.TOPIC)));
        refused(MetadataRecord.newBuilder().setExchange(ExchangeRecord.newBuilder().setName("x")
                .setType(ExchangeType.DIRECT)));
        refused(MetadataRecord.newBuilder().setExchange(ExchangeRecord.newBuilder().setName("untyped")));
        refused(MetadataRecord.newBuilder().setRemoveExchange(RemoveExchangeRecord.newBuilder().setName("amq.direct")));
        refused(MetadataRecord.newBuilder().setQueue(QueueRecord.newBuilder().setName("r").setQueueId("id")
                .setTopic("__queue.r")));
        refused(MetadataRecord.newBuilder().setQueue(QueueRecord.newBuilder().setName("r").setQueueId("id")
                .setTopic("__queue.q")));
        refused(MetadataRecord.newBuilder().setRemoveQueue(RemoveQueueRecord.newBuilder().setName("q")
                .setQueueId("other")));
        refused(MetadataRecord.newBuilder().setBinding(BindingRecord.newBuilder()
                .setBinding(Commands.toQueue("x", "nope", ""))));
        refused(MetadataRecord.newBuilder().setBinding(BindingRecord.newBuilder()
                .setBinding(Commands.toExchange("nope", "x", ""))));
        refused(MetadataRecord.newBuilder().setRemoveBinding(RemoveBindingRecord.newBuilder()
                .setBinding(Commands.toQueue("x", "q", ""))));
    }

    @Test
    void aBatchMayDeclareAndBindTogether() {
        MetadataImage image = cluster.image().apply(MetadataRecordBatch.newBuilder()
                .setOffset(cluster.image().offset() + 1)
                .addRecords(MetadataRecord.newBuilder().setExchange(ExchangeRecord.newBuilder().setName("y")
                        .setType(ExchangeType.FANOUT)))
                .addRecords(MetadataRecord.newBuilder().setBinding(BindingRecord.newBuilder()
                        .setBinding(Commands.toExchange("y", "x", ""))))
                .addRecords(MetadataRecord.newBuilder().setBinding(BindingRecord.newBuilder()
                        .setBinding(Commands.toQueue("x", "q", "k"))))
                .build());
        assertEquals(List.of(Commands.toQueue("x", "q", "k"), Commands.toExchange("y", "x", "")), image.bindings(),
                "in canonical order, by source first");
        assertTrue(cluster.image().bindings().isEmpty(), "the base image is unchanged");
        assertEquals(List.of("q"), ExchangeRouter.route(image, "y", "k", Map.of()).queues());
    }
}
