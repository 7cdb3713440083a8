package io.wharf.client.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.wharf.client.queue.UnsettledDeliveries;
import io.wharf.proto.common.QueueInfo;
import io.wharf.proto.queue.Message;
import io.wharf.proto.queue.MessageProperties;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QueueDeadLetterTest {

    private static final Message JOB = Message.newBuilder().setExchange("work").setRoutingKey("pdf")
            .putHeaders("ordering-key", "j-7").setBody(ByteString.copyFromUtf8("render"))
            .setProperties(MessageProperties.newBuilder().setExpiration("60000").setMessageId("m-1")).build();

    @Test
    void keepsHeadersPropertiesAndBodyAddsTheErrorHeadersAndDropsTheExpiration() {
        QueueDeadLetter deadLetter = QueueDeadLetter.of(UnsettledDeliveries.of("jobs", 41L, JOB),
                new DeadLetterExchange("jobs.dlx", Optional.empty()), "java.io.IOException", "disk full", 1_700_000_000_123L);

        assertEquals("jobs.dlx", deadLetter.exchange());
        assertEquals("pdf", deadLetter.routingKey(), "without x-dead-letter-routing-key it keeps its own key");
        assertEquals(JOB.getBody(), deadLetter.message().getBody());
        assertEquals("m-1", deadLetter.message().getProperties().getMessageId());
        assertEquals("", deadLetter.message().getProperties().getExpiration(), "it must not expire in the dead-letter queue");
        assertEquals(Map.of("ordering-key", "j-7", "error.cause", "java.io.IOException", "error.message", "disk full",
                "error.origin.queue", "jobs", "error.origin.exchange", "work", "error.origin.routing-key", "pdf",
                "error.origin.delivery-tag", "41", "error.timestamp", "1700000000123"),
                deadLetter.message().getHeadersMap());
    }

    @Test
    void theQueuesDeadLetterRoutingKeyReplacesTheMessagesAndAQueueWithoutExchangeIsRefused() {
        DeadLetterExchange target = DeadLetterExchange.of(QueueInfo.newBuilder().setName("jobs")
                .putArguments("x-dead-letter-exchange", "").putArguments("x-dead-letter-routing-key", "jobs-dlq").build());
        assertEquals("jobs-dlq", QueueDeadLetter.of(UnsettledDeliveries.of("jobs", 1L, JOB), target, "c", "", 0L)
                .routingKey());
        assertEquals("", target.exchange());
        assertThrows(IllegalArgumentException.class, () -> DeadLetterExchange.of(QueueInfo.newBuilder().setName("jobs")
                .build()));
    }
}
