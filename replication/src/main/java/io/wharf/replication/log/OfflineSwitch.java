package io.wharf.replication.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one {@link Log} offline at its first storage fault and keeps it there, as Kafka's
 * LogDirFailureChannel does for a log directory. After an I/O error the files may end in a torn
 * write, and data whose fsync failed may be gone from the page cache even though a retried fsync
 * would report success; so nothing is written, read, flushed or truncated any more, and only a
 * reopen (with recovery) brings the log back. Listeners learn of the fault exactly once.
 *
 * <p>Threading: thread-safe. Listeners run on the thread that hit the fault, without this switch's
 * lock but possibly holding the log's locks.
 */
final class OfflineSwitch {
    private static final Logger LOG = LoggerFactory.getLogger(OfflineSwitch.class);

    /** A step that touches the log's files. */
    @FunctionalInterface
    interface StorageCall<T> {
        T call() throws IOException;
    }

    /** A {@link StorageCall} without a result. */
    @FunctionalInterface
    interface StorageRun {
        void run() throws IOException;
    }

    private final Path dir;
    private final Object lock = new Object();
    /** Guarded by {@code lock}; emptied when the switch trips, as each listener is called once. */
    private final List<Consumer<? super LogOfflineException>> listeners = new ArrayList<>();
    /** The first fault, null while online; written under {@code lock}. */
    private volatile LogOfflineException fault;

    OfflineSwitch(Path dir) {
        this.dir = dir;
    }

    boolean isOffline() {
        return fault != null;
    }

    /** @throws LogOfflineException if the log is offline */
    void ensureOnline() {
        LogOfflineException first = fault;
        if (first != null) {
            throw first.refusal();
        }
    }

    /**
     * Calls {@code listener} once when the log goes offline, on the thread that hit the fault, or
     * at once on this thread if it is offline already.
     */
    void addListener(Consumer<? super LogOfflineException> listener) {
        LogOfflineException first;
        synchronized (lock) {
            first = fault;
            if (first == null) {
                listeners.add(listener);
                return;
            }
        }
        listener.accept(first);
    }

    /**
     * Runs {@code step} if the log is online. An I/O failure in it takes the log offline: an
     * {@link IOException}, an {@link UncheckedIOException} or a {@link LogStorageException} caused
     * by an I/O error (a checkpoint write). Other exceptions pass through unchanged.
     *
     * @param operation what the step does, for the message ("append", "fsync of ...")
     * @throws LogOfflineException if the log was offline or the step took it offline
     */
    <T> T call(String operation, StorageCall<T> step) {
        ensureOnline();
        try {
            return step.call();
        } catch (IOException | UncheckedIOException e) {
            throw fail(operation, e);
        } catch (LogStorageException e) {
            if (e instanceof LogOfflineException || !(e.getCause() instanceof IOException)) {
                throw e;
            }
            throw fail(operation, e);
        }
    }

    /** {@link #call} for a step without a result. */
    void run(String operation, StorageRun step) {
        call(operation, () -> {
            step.run();
            return null;
        });
    }

    /**
     * Takes the log offline because {@code operation} failed with {@code failure}, and tells the
     * listeners, unless an earlier fault did already.
     *
     * @return what the failing call throws: the fault that took the log offline, with any
     *     listener's exception suppressed in it; or, when the log was offline already, a refusal
     *     naming the first fault with {@code failure} suppressed
     */
    LogOfflineException fail(String operation, Exception failure) {
        LogOfflineException offline = new LogOfflineException(dir, operation, failure);
        List<Consumer<? super LogOfflineException>> toNotify;
        synchronized (lock) {
            if (fault != null) {
                LogOfflineException refusal = fault.refusal();
                refusal.addSuppressed(failure);
                return refusal;
            }
            fault = offline;
            toNotify = List.copyOf(listeners);
            listeners.clear();
        }
        LOG.error("{}", offline.getMessage(), failure);
        for (Consumer<? super LogOfflineException> listener : toNotify) {
            try {
                listener.accept(offline);
            } catch (RuntimeException e) {
                LOG.error("a listener told that {} went offline failed", dir, e);
                offline.addSuppressed(e);
            }
        }
        return offline;
    }
}
