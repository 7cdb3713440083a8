package io.wharf.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.protobuf.ByteString;
import io.wharf.proto.queue.Death;
import io.wharf.proto.queue.Message;
import io.wharf.proto.queue.MessageProperties;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DeadLetteredMessageTest {

    private static final DeadLetterTarget DLX = new DeadLetterTarget("dlx", Optional.empty());

    private static Message published() {
        return Message.newBuilder().setExchange("orders").setRoutingKey("paid").putHeaders("source", "shop")
                .setProperties(MessageProperties.newBuilder().setExpiration("60000").setMessageId("m-1"))
                .setBody(ByteString.copyFromUtf8("body")).build();
    }

    @Test
    void theFirstDeathWritesXDeathAndTheFirstAndLastHeaders() {
        Message dead = DeadLetteredMessage.of(published(), "paid", DeathReason.REJECTED, 1_700_000_123_456L, DLX);
        assertEquals(List.of(Death.newBuilder().setQueue("paid").setReason("rejected").setCount(1)
                .setTime(1_700_000_123L).setExchange("orders").addRoutingKeys("paid")
                .setOriginalExpiration("60000").build()), dead.getXDeathList());
        assertEquals(Map.of("source", "shop",
                "x-first-death-queue", "paid", "x-first-death-reason", "rejected", "x-first-death-exchange", "orders",
                "x-last-death-queue", "paid", "x-last-death-reason", "rejected", "x-last-death-exchange", "orders"),
                dead.getHeadersMap());
        // Published to the dead-letter exchange with its own routing key; it cannot expire again.
        assertEquals("dlx", dead.getExchange());
        assertEquals("paid", dead.getRoutingKey());
        assertFalse(dead.getProperties().getExpiration().length() > 0);
        assertEquals("m-1", dead.getProperties().getMessageId());
        assertEquals(published().getBody(), dead.getBody());
    }

    @Test
    void theDeadLetterRoutingKeyReplacesTheMessagesOwn() {
        Message dead = DeadLetteredMessage.of(published(), "paid", DeathReason.EXPIRED, 5_000,
                new DeadLetterTarget("dlx", Optional.of("dead")));
        assertEquals("dead", dead.getRoutingKey());
        // x-death keeps the routing keys it was published with.
        assertEquals(List.of("paid"), dead.getXDeath(0).getRoutingKeysList());
        assertEquals(5, dead.getXDeath(0).getTime());
    }

    @Test
    void aMessageWithoutExpirationHasNoOriginalExpiration() {
        Message plain = published().toBuilder().clearProperties().build();
        Message dead = DeadLetteredMessage.of(plain, "paid", DeathReason.MAXLEN, 0, DLX);
        assertEquals("", dead.getXDeath(0).getOriginalExpiration());
        assertFalse(dead.hasProperties());
    }

    @Test
    void aDeathForAnotherQueueOrReasonGoesInFrontAndOnlyTheLastHeadersChange() {
        Message once = DeadLetteredMessage.of(published(), "paid", DeathReason.EXPIRED, 1_000, DLX);
        Message twice = DeadLetteredMessage.of(once, "dead-paid", DeathReason.REJECTED, 2_000,
                new DeadLetterTarget("back", Optional.of("paid")));
        assertEquals(List.of("dead-paid", "paid"), twice.getXDeathList().stream().map(Death::getQueue).toList());
        Death latest = twice.getXDeath(0);
        // It was published to "dlx" when it died in dead-paid, and had no expiration any more.
        assertEquals(Death.newBuilder().setQueue("dead-paid").setReason("rejected").setCount(1).setTime(2)
                .setExchange("dlx").addRoutingKeys("paid").build(), latest);
        assertEquals(once.getXDeath(0), twice.getXDeath(1));
        assertEquals("paid", twice.getHeadersOrThrow("x-first-death-queue"));
        assertEquals("expired", twice.getHeadersOrThrow("x-first-death-reason"));
        assertEquals("orders", twice.getHeadersOrThrow("x-first-death-exchange"));
        assertEquals("dead-paid", twice.getHeadersOrThrow("x-last-death-queue"));
        assertEquals("rejected", twice.getHeadersOrThrow("x-last-death-reason"));
        assertEquals("dlx", twice.getHeadersOrThrow("x-last-death-exchange"));
        assertEquals("back", twice.getExchange());
    }

    @Test
    void aSecondDeathInTheSameQueueForTheSameReasonCountsAndMovesToTheFront() {
        Message first = DeadLetteredMessage.of(published(), "paid", DeathReason.REJECTED, 1_000, DLX);
        Message second = DeadLetteredMessage.of(first, "dead-paid", DeathReason.EXPIRED, 2_000, DLX);
        Message third = DeadLetteredMessage.of(second, "paid", DeathReason.REJECTED, 3_000, DLX);
        assertEquals(List.of("paid", "dead-paid"), third.getXDeathList().stream().map(Death::getQueue).toList());
        // The count grows; time, exchange, routing keys and original expiration stay the first death's.
        assertEquals(first.getXDeath(0).toBuilder().setCount(2).build(), third.getXDeath(0));
        assertEquals(second.getXDeath(0), third.getXDeath(1));
        // Same queue, another reason: a new entry.
        Message fourth = DeadLetteredMessage.of(third, "paid", DeathReason.DELIVERY_LIMIT, 4_000, DLX);
        assertEquals(List.of("delivery_limit", "rejected", "expired"),
                fourth.getXDeathList().stream().map(Death::getReason).toList());
        assertEquals(1, fourth.getXDeath(0).getCount());
        assertEquals("rejected", fourth.getHeadersOrThrow("x-first-death-reason"));
        assertEquals("delivery_limit", fourth.getHeadersOrThrow("x-last-death-reason"));
    }
}
