package io.wharf.metadata;

import static io.wharf.metadata.Commands.createTopic;
import static io.wharf.metadata.Commands.deleteTopics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.wharf.proto.common.ErrorCode;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeleteTopicsTest {

    @Test
    void removesTopicsAndLeavesOthersUntouched() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.ok(createTopic("a", 1, 1));
        cluster.ok(createTopic("b", 1, 1));
        TopicImage b = cluster.image().topic("b").orElseThrow();

        cluster.ok(deleteTopics("a"));

        assertEquals(List.of("b"), List.copyOf(cluster.image().topics().keySet()));
        assertSame(b, cluster.image().topic("b").orElseThrow());
    }

    @Test
    void rejectsUnknownTopic() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.ok(createTopic("a", 1, 1));
        cluster.rejected(deleteTopics("missing"), ErrorCode.UNKNOWN_TOPIC);
        cluster.rejected(deleteTopics(""), ErrorCode.UNKNOWN_TOPIC);
    }

    @Test
    void eachNameSucceedsOrFailsOnItsOwn() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.ok(createTopic("a", 1, 1));
        cluster.ok(createTopic("b", 1, 1));
        cluster.ok(createTopic("c", 1, 1));

        CommandOutcome outcome = cluster.run(deleteTopics("a", "missing", "b", "b"));

        assertEquals(List.of(ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST),
                outcome.result().getItemsList().stream().map(i -> i.getError().getCode()).toList());
        assertEquals(List.of("b", "c"), List.copyOf(cluster.image().topics().keySet()));
    }
}
