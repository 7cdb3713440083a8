package io.wharf.client.dlq;

import java.time.Duration;

/** Waits between attempts; a parameter so tests do not wait. */
@FunctionalInterface
public interface Pause {

    /** {@link Thread#sleep}. */
    Pause SLEEP = delay -> Thread.sleep(delay.toMillis(), delay.toNanosPart() % 1_000_000);

    /** Returns after {@code delay}. */
    void sleep(Duration delay) throws InterruptedException;
}
