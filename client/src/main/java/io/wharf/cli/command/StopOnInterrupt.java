package io.wharf.cli.command;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Makes Ctrl-C (or SIGTERM) end a command's loop instead of its process: a shutdown hook sets
 * {@link #requested()} and holds the JVM (up to 5 s) until the command has closed its clients
 * and called {@link #release()}, so a consumer leaves its group or cancels its subscription
 * cleanly instead of being cut off. Thread-safe.
 */
final class StopOnInterrupt {

    private static final long HOLD_SECONDS = 5;

    private final AtomicBoolean requested = new AtomicBoolean();
    private final CountDownLatch released = new CountDownLatch(1);
    private final Thread hook;

    private StopOnInterrupt(String threadName) {
        hook = new Thread(() -> {
            requested.set(true);
            try {
                released.await(HOLD_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, threadName);
    }

    /** Installs the hook; call {@link #release()} in a finally block once the clients are closed. */
    static StopOnInterrupt install(String threadName) {
        StopOnInterrupt stop = new StopOnInterrupt(threadName);
        Runtime.getRuntime().addShutdownHook(stop.hook);
        return stop;
    }

    /** Whether Ctrl-C came: the loop should end. */
    boolean requested() {
        return requested.get();
    }

    /** The clients are closed: lets a waiting shutdown go on, and removes the hook otherwise. */
    void release() {
        released.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is running and has just been released
        }
    }
}
