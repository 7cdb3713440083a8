package io.wharf.replication.log;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * The locks of one {@link Log}, whether it is closed, and the check every call makes under them:
 * the log is open and online ({@link OfflineSwitch}), and an I/O failure in the call takes it
 * offline.
 *
 * <p>Lock order, outermost first: the cleaner lock, held by a cleaning throughout and taken by
 * everything that removes segments (truncation, retention, close), which first asks a running
 * cleaning to stop; the append lock, serializing appends, rolls, truncation, retention and close;
 * the structure lock, whose read side reads hold while locating batches and whose write side is
 * taken, inside the append lock, by what removes bytes (truncation, segment deletion) and by the
 * swap of a cleaned segment.
 *
 * <p>Threading: thread-safe.
 */
final class LogLocks {
    private final Path dir;
    private final OfflineSwitch offline;
    private final ReentrantLock appendLock = new ReentrantLock();
    private final ReentrantReadWriteLock structureLock = new ReentrantReadWriteLock();
    private final ReentrantLock cleanerLock = new ReentrantLock();
    /** Callers waiting for the cleaner lock: a running cleaning stops early when there are any. */
    private final AtomicInteger cleaningPauses = new AtomicInteger();
    private volatile boolean closed;

    /** A cleaning run, which its throttle may interrupt. */
    @FunctionalInterface
    interface CleaningCall<T> {
        T call() throws InterruptedException;
    }

    LogLocks(Path dir, OfflineSwitch offline) {
        this.dir = dir;
        this.offline = offline;
    }

    /** The structure write lock, under which segment files are deleted so that reads see them whole or not at all. */
    Lock deletionLock() {
        return structureLock.writeLock();
    }

    /** Runs {@code call} under the append lock if the log is open and online; an I/O failure takes it offline. */
    <T> T appending(String operation, OfflineSwitch.StorageCall<T> call) {
        return locked(appendLock, operation, call);
    }

    /** Runs {@code call} like {@link #appending}, under the structure read lock instead. */
    <T> T reading(String operation, OfflineSwitch.StorageCall<T> call) {
        return locked(structureLock.readLock(), operation, call);
    }

    /** Runs {@code call} like {@link #appending}, under the structure write lock instead. */
    <T> T restructuring(String operation, OfflineSwitch.StorageCall<T> call) {
        return locked(structureLock.writeLock(), operation, call);
    }

    /** Runs {@code call} like {@link #appending}, holding the structure write lock too: for calls that remove bytes. */
    <T> T removing(String operation, OfflineSwitch.StorageCall<T> call) {
        return locked(appendLock, operation, () -> locked(structureLock.writeLock(), operation, call));
    }

    /**
     * Runs {@code call} holding the cleaner lock: a running cleaning is asked to stop and awaited
     * first, so segments are not removed under it.
     */
    <T> T withCleaningPaused(Supplier<T> call) {
        cleaningPauses.incrementAndGet();
        try {
            cleanerLock.lock();
            try {
                return call.get();
            } finally {
                cleanerLock.unlock();
            }
        } finally {
            cleaningPauses.decrementAndGet();
        }
    }

    /** Runs a cleaning holding the cleaner lock, if the log is open. */
    <T> T cleaning(CleaningCall<T> call) throws InterruptedException {
        cleanerLock.lock();
        try {
            ensureOpen();
            return call.call();
        } finally {
            cleanerLock.unlock();
        }
    }

    /** Whether a running cleaning is to stop: the log closed, or something waits to remove segments. */
    boolean cleaningShouldStop() {
        return closed || cleaningPauses.get() > 0;
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("log " + dir + " is closed");
        }
    }

    /**
     * Marks the log closed and runs {@code closeFiles}, the first time only, holding every lock
     * (a running cleaning is stopped first).
     */
    void close(Runnable closeFiles) {
        withCleaningPaused(() -> {
            appendLock.lock();
            structureLock.writeLock().lock();
            try {
                if (!closed) {
                    closed = true;
                    closeFiles.run();
                }
            } finally {
                structureLock.writeLock().unlock();
                appendLock.unlock();
            }
            return null;
        });
    }

    private <T> T locked(Lock lock, String operation, OfflineSwitch.StorageCall<T> call) {
        lock.lock();
        try {
            ensureOpen();
            return offline.call(operation, call);
        } finally {
            lock.unlock();
        }
    }
}
