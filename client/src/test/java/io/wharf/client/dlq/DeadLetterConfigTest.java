package io.wharf.client.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeadLetterConfigTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        DeadLetterConfig config = DeadLetterConfig.defaults();
        assertEquals("orders-dlq", config.deadLetterTopic("orders"));
        assertEquals(new RetryBackoff(Duration.ofMillis(100), Duration.ofSeconds(10), 3), config.backoff());
        assertFalse(config.ordered());
        assertEquals(Duration.ofMillis(500), config.pollTimeout());
    }

    @Test
    void refusesASuffixThatSendsDeadLettersBackToTheirSource() {
        assertThrows(IllegalArgumentException.class, () -> DeadLetterConfig.builder().topicSuffix("").build());
        assertEquals("orders.dead", DeadLetterConfig.builder().topicSuffix(".dead").build().deadLetterTopic("orders"));
    }
}
