package io.wharf.client;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for a client's background threads (a transport's, a publisher's timer, a group
 * member's heartbeats, a bench's reporter): daemons, so one left running never keeps a JVM alive.
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /**
     * Daemon threads all named {@code name}: for a single-thread executor, whose thread has one
     * name (a replacement for one that died gets it too).
     */
    public static ThreadFactory single(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Daemon threads named {@code <prefix>-1}, {@code <prefix>-2}, … in the order they start. */
    public static ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
