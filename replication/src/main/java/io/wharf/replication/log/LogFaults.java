package io.wharf.replication.log;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What the storage faults of one {@link Log} tell its owner, as Kafka's LogDirFailureChannel
 * does: the first I/O error takes the log offline for good ({@link OfflineSwitch}), while an
 * append that a full disk refused whole leaves it online. Obtained from {@link Log#faults()}.
 *
 * <p>Threading: thread-safe; listeners run on the threads described at each registration.
 */
public final class LogFaults {
    private final OfflineSwitch offline;
    private final List<Consumer<? super LogDirectoryFullException>> directoryFullListeners = new CopyOnWriteArrayList<>();

    LogFaults(OfflineSwitch offline) {
        this.offline = offline;
    }

    /** True once a storage fault took this log offline ({@link LogOfflineException}), until it is reopened. */
    public boolean isOffline() {
        return offline.isOffline();
    }

    /**
     * Registers {@code listener} to learn, exactly once, that this log went offline after a
     * storage fault: at once on this thread if it is offline already, otherwise on the thread that
     * hit the fault (an appender, a reader, the flush executor's), possibly holding this log's
     * locks. So it must not call this log, not even {@link Log#close()}, but hand the directory to a
     * thread of its own that takes it offline (Kafka's LogDirFailureChannel). What it throws is
     * logged and suppressed in the {@link LogOfflineException} of the faulting call.
     */
    public void onOffline(Consumer<? super LogOfflineException> listener) {
        offline.addListener(listener);
    }

    /**
     * Registers {@code listener} to learn of every append refused because the file system is full
     * ({@link LogDirectoryFullException}; the log stays online). It runs on the appending thread,
     * after the append lock was released, before the exception reaches the caller.
     */
    public void onDirectoryFull(Consumer<? super LogDirectoryFullException> listener) {
        directoryFullListeners.add(listener);
    }

    /** Tells the listeners that a full disk refused an append; the caller then throws {@code refusal}. */
    void directoryFull(LogDirectoryFullException refusal) {
        directoryFullListeners.forEach(listener -> listener.accept(refusal));
    }
}
