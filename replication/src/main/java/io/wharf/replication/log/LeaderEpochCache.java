package io.wharf.replication.log;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partition's leader-epoch history (epoch → first offset), kept in memory and checkpointed
 * atomically to {@code leader-epoch-checkpoint} on every change. Epochs and start offsets both
 * increase along the list. Thread-safe (every method synchronizes on the cache).
 *
 * <p>File format: version line {@code 0}, the entry count, then one {@code <epoch> <startOffset>}
 * line per entry.
 */
public final class LeaderEpochCache {
    static final String FILE_NAME = "leader-epoch-checkpoint";
    private static final Logger LOG = LoggerFactory.getLogger(LeaderEpochCache.class);
    private static final String VERSION = "0";

    private final CheckpointFile file;
    private final List<EpochEntry> entries = new ArrayList<>();

    /** Loads the checkpoint in {@code dir} if one exists. */
    LeaderEpochCache(Path dir) {
        this.file = new CheckpointFile(dir.resolve(FILE_NAME));
        file.read().ifPresent(this::parse);
    }

    private void parse(List<String> lines) {
        if (lines.size() < 2 || !VERSION.equals(lines.get(0).trim())) {
            throw new LogStorageException("leader epoch checkpoint " + file.path() + " has no version " + VERSION + " header");
        }
        long count = file.parseLong(lines.get(1), "entry count");
        if (count != lines.size() - 2) {
            throw new LogStorageException("leader epoch checkpoint " + file.path() + " says " + count
                    + " entries but has " + (lines.size() - 2));
        }
        for (String line : lines.subList(2, lines.size())) {
            String[] parts = line.trim().split(" ");
            if (parts.length != 2) {
                throw new LogStorageException("leader epoch checkpoint " + file.path() + " has a malformed line '" + line + "'");
            }
            entries.add(new EpochEntry((int) file.parseLong(parts[0], "epoch"), file.parseLong(parts[1], "start offset")));
        }
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}. A repeat of the latest epoch is a
     * no-op; an older epoch is ignored with a warning (it cannot start after a newer one).
     */
    public synchronized void assign(int epoch, long startOffset) {
        if (add(epoch, startOffset)) {
            try {
                persist();
            } catch (RuntimeException e) {
                // Keep memory as the file is (a full disk may refuse the checkpoint): the append
                // that needed the epoch fails, and its retry assigns and persists it again.
                entries.remove(entries.size() - 1);
                throw e;
            }
        }
    }

    /** {@link #assign} for many entries in order, with one checkpoint write (used by recovery). */
    synchronized void assignAll(List<EpochEntry> assignments) {
        boolean changed = false;
        for (EpochEntry entry : assignments) {
            changed |= add(entry.epoch(), entry.startOffset());
        }
        if (changed) {
            persist();
        }
    }

    private boolean add(int epoch, long startOffset) {
        EpochEntry latest = entries.isEmpty() ? null : entries.get(entries.size() - 1);
        if (latest != null && epoch <= latest.epoch()) {
            if (epoch < latest.epoch()) {
                LOG.warn("ignoring leader epoch {} at offset {}: the log already has epoch {} from offset {}",
                        epoch, startOffset, latest.epoch(), latest.startOffset());
            }
            return false;
        }
        if (latest != null && startOffset < latest.startOffset()) {
            throw new IllegalArgumentException("epoch " + epoch + " cannot start at " + startOffset
                    + ", before epoch " + latest.epoch() + " which starts at " + latest.startOffset());
        }
        entries.add(new EpochEntry(epoch, startOffset));
        return true;
    }

    /** The newest epoch, if any. */
    public synchronized OptionalInt latestEpoch() {
        return entries.isEmpty() ? OptionalInt.empty() : OptionalInt.of(entries.get(entries.size() - 1).epoch());
    }

    /** The entry for {@code epoch}, if this log has one. */
    public synchronized Optional<EpochEntry> entryFor(int epoch) {
        return entries.stream().filter(e -> e.epoch() == epoch).findFirst();
    }

    /** A snapshot of every entry, oldest first. */
    public synchronized List<EpochEntry> entries() {
        return List.copyOf(entries);
    }

    /**
     * The end of {@code requestedEpoch} as Kafka's OffsetsForLeaderEpoch defines it: the largest
     * known epoch ≤ requested and the start offset of the next epoch after it, or
     * {@code logEndOffset} when it is the latest epoch.
     */
    public synchronized EpochEndOffset endOffsetFor(int requestedEpoch, long logEndOffset) {
        EpochEndOffset answer = EpochEndOffset.UNDEFINED;
        for (int i = 0; i < entries.size(); i++) {
            EpochEntry entry = entries.get(i);
            if (entry.epoch() > requestedEpoch) {
                break;
            }
            long end = i + 1 < entries.size() ? entries.get(i + 1).startOffset() : logEndOffset;
            answer = new EpochEndOffset(entry.epoch(), end);
        }
        return answer;
    }

    /** Drops every epoch starting at or after {@code endOffset} (the log was truncated there). */
    public synchronized void truncateFromEnd(long endOffset) {
        if (entries.removeIf(e -> e.startOffset() >= endOffset)) {
            persist();
        }
    }

    /**
     * Forgets history below {@code startOffset} (the log start moved): epochs ending at or before
     * it are dropped and the one containing it now starts there.
     */
    public synchronized void truncateFromStart(long startOffset) {
        int firstKept = 0;
        while (firstKept + 1 < entries.size() && entries.get(firstKept + 1).startOffset() <= startOffset) {
            firstKept++;
        }
        boolean changed = firstKept > 0;
        entries.subList(0, firstKept).clear();
        if (!entries.isEmpty() && entries.get(0).startOffset() < startOffset) {
            entries.set(0, new EpochEntry(entries.get(0).epoch(), startOffset));
            changed = true;
        }
        if (changed) {
            persist();
        }
    }

    /** Forgets every epoch (the log was emptied). */
    public synchronized void clear() {
        if (!entries.isEmpty()) {
            entries.clear();
            persist();
        }
    }

    private void persist() {
        List<String> lines = new ArrayList<>(entries.size() + 2);
        lines.add(VERSION);
        lines.add(Integer.toString(entries.size()));
        for (EpochEntry entry : entries) {
            lines.add(entry.epoch() + " " + entry.startOffset());
        }
        file.write(lines);
    }
}
