package io.wharf.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

class DaemonThreadsTest {

    @Test
    void namedThreadsAreNumberedDaemons() {
        ThreadFactory threads = DaemonThreads.named("io");
        Thread first = threads.newThread(() -> { });
        Thread second = threads.newThread(() -> { });
        assertEquals("io-1", first.getName());
        assertEquals("io-2", second.getName());
        assertTrue(first.isDaemon() && second.isDaemon());
    }

    @Test
    void aSingleThreadsFactoryGivesEveryThreadItsName() {
        ThreadFactory threads = DaemonThreads.single("wharf-queue-consumer");
        Thread first = threads.newThread(() -> { });
        Thread replacement = threads.newThread(() -> { });
        assertEquals("wharf-queue-consumer", first.getName());
        assertEquals("wharf-queue-consumer", replacement.getName());
        assertTrue(first.isDaemon() && replacement.isDaemon());
    }
}
