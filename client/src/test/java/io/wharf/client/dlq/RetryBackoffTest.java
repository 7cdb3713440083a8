package io.wharf.client.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryBackoffTest {

    private final RetryBackoff backoff = new RetryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 4);

    @Test
    void delaysDoubleFromTheInitialOneUpToTheCap() {
        assertEquals(Duration.ofMillis(100), backoff.delayAfter(1));
        assertEquals(Duration.ofMillis(200), backoff.delayAfter(2));
        assertEquals(Duration.ofMillis(400), backoff.delayAfter(3));
        assertEquals(Duration.ofMillis(800), backoff.delayAfter(4));
        assertEquals(Duration.ofSeconds(1), backoff.delayAfter(5));
        assertEquals(Duration.ofSeconds(1), backoff.delayAfter(Integer.MAX_VALUE));
    }

    @Test
    void exhaustedAfterMaxAttemptsFailures() {
        assertFalse(backoff.exhausted(3));
        assertTrue(backoff.exhausted(4));
    }

    @Test
    void refusesSettingsThatMakeNoSchedule() {
        assertThrows(IllegalArgumentException.class, () -> new RetryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 3));
        assertThrows(IllegalArgumentException.class, () -> new RetryBackoff(Duration.ZERO, Duration.ZERO, 0));
        assertThrows(IllegalArgumentException.class, () -> backoff.delayAfter(0));
    }

    @Test
    void policyRetriesUntilTheLastAttemptThenDeadLettersWithTheFailure() {
        DeadLetterPolicy policy = new DeadLetterPolicy(backoff, true);
        byte[] key = {1};
        assertEquals(new Decision.Retry(Duration.ofMillis(400)), policy.afterFailure(key, 3, new IllegalStateException("x")));
        assertEquals(new Decision.DeadLetter(IllegalStateException.class.getName(), "boom", true),
                policy.afterFailure(key, 4, new IllegalStateException("boom")));
        assertEquals(new Decision.DeadLetter(IllegalStateException.class.getName(), "", false),
                policy.afterFailure(null, 4, new IllegalStateException()), "a keyless record blocks nothing");
    }

    @Test
    void onlyOrderedModeDeadLettersABlockedKeyWithoutProcessing() {
        byte[] key = {1};
        Decision blocked = new DeadLetterPolicy(backoff, true).admit(key, true);
        assertEquals(DeadLetterPolicy.BLOCKED_BY_PREVIOUS_FAILURE, ((Decision.DeadLetter) blocked).cause());
        assertFalse(((Decision.DeadLetter) blocked).blocksKey());
        assertInstanceOf(Decision.Process.class, new DeadLetterPolicy(backoff, true).admit(key, false));
        assertInstanceOf(Decision.Process.class, new DeadLetterPolicy(backoff, false).admit(key, true));
        assertInstanceOf(Decision.Process.class, new DeadLetterPolicy(backoff, true).admit(null, true));
        assertEquals(new Decision.DeadLetter(RuntimeException.class.getName(), "m", false),
                new DeadLetterPolicy(backoff, false).afterFailure(key, 4, new RuntimeException("m")));
    }
}
