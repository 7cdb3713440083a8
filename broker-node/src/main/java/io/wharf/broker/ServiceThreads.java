package io.wharf.broker;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The threads a broker's parts own (the node's lifecycle, timer and network threads, the group
 * coordinator's, the queues'): named daemon threads that their owner stops on close. Stateless.
 */
public final class ServiceThreads {

    private ServiceThreads() {
    }

    /** A factory of daemon threads all named {@code name} (a single-thread executor's one thread). */
    public static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * Interrupts every executor's tasks and waits up to {@code timeout} for each to end.
     *
     * @return false when one did not stop in time (or the caller was interrupted meanwhile)
     */
    public static boolean stop(Duration timeout, ExecutorService... executors) {
        for (ExecutorService executor : executors) {
            executor.shutdownNow();
        }
        try {
            for (ExecutorService executor : executors) {
                if (!executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
