package io.wharf.replication.log;

import io.wharf.replication.log.fault.DiskFaults;
import io.wharf.replication.log.fault.FaultInjectingFileChannels;
import io.wharf.replication.log.fault.FaultInjectingFileChannels.Delay;
import io.wharf.replication.log.fault.FaultInjectingFileChannels.Operation;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link LogFileChannels} for fault injection with rules per directory: writes or fsyncs of files
 * under a directory a test names can be made to throw {@link IOException}, to run out of space or
 * to take longer. The directory may be one log's partition directory or a broker's log directory
 * holding many logs. A rule applies at once, to channels already open as well as later ones, until
 * {@link #heal} removes it. The channels are {@link FaultInjectingFileChannels}' (the same ones
 * brokers in the nemesis suite run on); this class only decides, per file, which
 * {@link DiskFaults} apply and counts what they did. Thread-safe. Shared with other modules' tests
 * through this module's test jar.
 */
public final class FaultyFileChannels implements LogFileChannels {
    private final Set<Path> failingWrites = ConcurrentHashMap.newKeySet();
    private final Set<Path> failingFsyncs = ConcurrentHashMap.newKeySet();
    private final Set<Path> fullDisks = ConcurrentHashMap.newKeySet();
    private final Map<Path, Duration> slowFsyncs = new ConcurrentHashMap<>();
    private final AtomicInteger injectedFailures = new AtomicInteger();
    private final AtomicInteger fsyncs = new AtomicInteger();
    private final FaultInjectingFileChannels channels = new FaultInjectingFileChannels(LogFileChannels.DEFAULT,
            this::faultsFor, Delay.SLEEP);

    /** Every write to a file under {@code dir} throws from now on. */
    public void failWrites(Path dir) {
        failingWrites.add(key(dir));
    }

    /**
     * The disk under {@code dir} is full from now on: a positional write (how segments are
     * written) writes half its bytes and then throws the JDK's ENOSPC IOException, as a write
     * that runs out of space part way does; other writes throw it at once, and so does opening a
     * file that does not exist yet.
     */
    public void fillDisk(Path dir) {
        fullDisks.add(key(dir));
    }

    /** Every fsync ({@link FileChannel#force}) of a file under {@code dir} throws from now on. */
    public void failFsyncs(Path dir) {
        failingFsyncs.add(key(dir));
    }

    /** Every fsync of a file under {@code dir} first sleeps {@code delay} (a slow disk). */
    public void slowFsyncs(Path dir, Duration delay) {
        slowFsyncs.put(key(dir), delay);
    }

    /** Removes the rules set for exactly {@code dir}; rules for its parents or children stay. */
    public void heal(Path dir) {
        Path key = key(dir);
        failingWrites.remove(key);
        failingFsyncs.remove(key);
        fullDisks.remove(key);
        slowFsyncs.remove(key);
    }

    /** How many operations failed because of a rule so far. */
    public int injectedFailures() {
        return injectedFailures.get();
    }

    /** How many fsyncs the rules let through to the disk so far (failed ones not counted). */
    public int fsyncs() {
        return fsyncs.get();
    }

    @Override
    public FileChannel open(Path file) throws IOException {
        return channels.open(file);
    }

    /** The rules covering {@code file} as faults, counting what they do to {@code operation}. */
    private DiskFaults faultsFor(Path file, Operation operation) {
        Path key = key(file);
        Duration fsyncDelay = slowFsyncs.entrySet().stream().filter(e -> key.startsWith(e.getKey()))
                .map(Map.Entry::getValue).max(Duration::compareTo).orElse(Duration.ZERO);
        DiskFaults faults = new DiskFaults(Duration.ZERO, fsyncDelay, covers(failingFsyncs, key),
                covers(failingWrites, key), covers(fullDisks, key));
        boolean fails = switch (operation) {
            case CREATE -> faults.diskFull();
            case WRITE -> faults.failWrites() || faults.diskFull();
            case FSYNC -> faults.failFsyncs();
        };
        if (fails) {
            injectedFailures.incrementAndGet();
        } else if (operation == Operation.FSYNC) {
            fsyncs.incrementAndGet();
        }
        return faults;
    }

    private static Path key(Path path) {
        return path.toAbsolutePath().normalize();
    }

    private static boolean covers(Set<Path> dirs, Path file) {
        return dirs.stream().anyMatch(file::startsWith);
    }
}
