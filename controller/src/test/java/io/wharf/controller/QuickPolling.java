package io.wharf.controller;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * Awaitility's {@code await()} for this package's quorum tests, without its default 100 ms delay
 * before the first check and with a 10 ms poll interval. Helpers such as
 * {@link InProcessQuorum#awaitLeader} wait on conditions that usually hold already and are called
 * hundreds of times per test class, so the default delay alone added seconds to each class. Only
 * the pace of checking changes: every wait keeps its own {@code atMost}/{@code during}. Stateless.
 */
final class QuickPolling {

    static final Duration POLL_INTERVAL = Duration.ofMillis(10);

    private QuickPolling() {
    }

    /** A condition factory that checks at once and then every {@link #POLL_INTERVAL}. */
    static ConditionFactory await() {
        return Awaitility.await().pollDelay(Duration.ZERO).pollInterval(POLL_INTERVAL);
    }
}
