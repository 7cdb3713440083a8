package io.wharf.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class QueueSettingsTest {

    @Test
    void unsetArgumentsTakeRabbitMq4Defaults() {
        QueueSettings settings = QueueSettings.fromArguments(Map.of());
        assertEquals(QueueSettings.defaults(false), settings);
        assertEquals(OptionalInt.of(20), settings.limits().deliveryLimit());
        assertEquals(Overflow.DROP_HEAD, settings.limits().overflow());
        assertEquals(Optional.empty(), settings.deadLetterTarget());
    }

    @Test
    void everyArgumentReachesTheSettings() {
        QueueSettings settings = QueueSettings.fromArguments(Map.of("x-single-active-consumer", "true",
                "x-message-ttl", "60000", "x-max-length", "10", "x-max-length-bytes", "1024",
                "x-overflow", "reject-publish", "x-delivery-limit", "5", "x-dead-letter-exchange", "dlx",
                "x-dead-letter-routing-key", "dead", "x-consumer-timeout", "5000"));
        assertEquals(new QueueSettings(true, QueueSettings.DEFAULT_PUBLISHER_WINDOW,
                QueueSettings.DEFAULT_MAX_PUBLISHERS,
                new QueueLimits(OptionalLong.of(60_000), OptionalLong.of(10), OptionalLong.of(1024),
                        Overflow.REJECT_PUBLISH, OptionalInt.of(5)),
                Optional.of(new DeadLetterTarget("dlx", Optional.of("dead")))), settings);
    }

    @Test
    void minusOneDeliveryLimitIsUnlimitedAndTheDefaultExchangeIsATarget() {
        QueueSettings settings = QueueSettings.fromArguments(Map.of("x-delivery-limit", "-1",
                "x-dead-letter-exchange", "", "x-overflow", "drop-head"));
        assertEquals(OptionalInt.empty(), settings.limits().deliveryLimit());
        assertEquals(Overflow.DROP_HEAD, settings.limits().overflow());
        assertEquals(Optional.of(new DeadLetterTarget("", Optional.empty())), settings.deadLetterTarget());
    }
}
