package io.wharf.metadata;

import static io.wharf.metadata.ExchangesTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.proto.common.ErrorCode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A queue's log topic belongs to its queue: clients cannot create, delete or reconfigure one as a topic. */
class ReservedQueueTopicsTest {

    @Test
    void queueTopicsCannotBeCreatedDeletedOrAlteredAsTopics() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.ok(Commands.declareQueue("q"));

        assertMessage(cluster.rejected(Commands.createTopic("__queue.other", 1, 1), ErrorCode.ACCESS_REFUSED),
                "reserved for queue logs; declare a queue instead");
        cluster.rejected(Commands.deleteTopics("__queue.q"), ErrorCode.ACCESS_REFUSED);
        cluster.rejected(Commands.alterConfigs("__queue.q", Map.of("retention.ms", "1000")), ErrorCode.ACCESS_REFUSED);
        assertEquals(ErrorCode.ACCESS_REFUSED, CommandProcessor.precheck(Commands.deleteTopics("__queue.q")).get(0)
                .getError().getCode());
        assertEquals(ErrorCode.ACCESS_REFUSED, CommandProcessor.precheck(
                Commands.alterConfigs("__queue.q", Map.of())).get(0).getError().getCode());
    }

    @Test
    void otherTopicsBehaveAsBefore() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.ok(Commands.createTopic("__queue", 1, 1));
        cluster.ok(Commands.createTopic("queue.x", 1, 1));
        cluster.ok(Commands.alterConfigs("queue.x", Map.of("retention.ms", "1000")));
        cluster.ok(Commands.deleteTopics("__queue", "queue.x"));
    }
}
