package io.wharf.broker.partition;

import io.wharf.replication.log.LogDirectoryFullException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the broker's log directory is full: set when a log refuses an append for lack of space
 * ({@link LogDirectoryFullException}), cleared by {@link #checkFreed()} once the file system has
 * at least {@code log.dir.resume.free.bytes} usable again. While full the broker asks the active
 * controller to fence it (its heartbeats say {@code want_fence}), so its leaderships move and it
 * leaves every ISR; once cleared it is unfenced and its followers catch up and rejoin the ISRs
 * (decision disk-full-fences-the-broker.md).
 *
 * <p>Thread-safe: any appending thread reports, one scheduled thread checks.
 */
public final class DirectorySpace {

    private static final Logger log = LoggerFactory.getLogger(DirectorySpace.class);

    private final int brokerId;
    private final Path dataDir;
    private final long resumeFreeBytes;
    private final AtomicReference<LogDirectoryFullException> full = new AtomicReference<>();

    /** @param resumeFreeBytes usable bytes the file system must have again before the broker serves again */
    DirectorySpace(int brokerId, Path dataDir, long resumeFreeBytes) {
        this.brokerId = brokerId;
        this.dataDir = dataDir;
        this.resumeFreeBytes = resumeFreeBytes;
    }

    /** True while the directory counts as full. */
    public boolean isFull() {
        return full.get() != null;
    }

    /** The refusal that made the directory count as full, while it does. */
    public Optional<LogDirectoryFullException> fullCause() {
        return Optional.ofNullable(full.get());
    }

    /** A log refused an append for lack of space. */
    void onFull(LogDirectoryFullException refusal) {
        if (full.compareAndSet(null, refusal)) {
            log.error("Broker {}: its log directory {} is full ({}); it asks to be fenced so that its leaderships "
                    + "move, and serves again once {} bytes are free", brokerId, dataDir, refusal.getMessage(),
                    resumeFreeBytes);
        }
    }

    /** Clears the full state when the file system has {@code log.dir.resume.free.bytes} usable again. */
    void checkFreed() {
        LogDirectoryFullException refusal = full.get();
        if (refusal == null) {
            return;
        }
        long usable;
        try {
            usable = Files.getFileStore(dataDir).getUsableSpace();
        } catch (IOException e) {
            log.warn("Broker {}: cannot read the free space of {}; it stays full until the next check: {}", brokerId,
                    dataDir, e.toString());
            return;
        }
        if (usable >= resumeFreeBytes && full.compareAndSet(refusal, null)) {
            log.info("Broker {}: its log directory {} has {} bytes free again; it asks to be unfenced", brokerId,
                    dataDir, usable);
        }
    }
}
