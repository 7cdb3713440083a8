package io.wharf.queue;

import io.wharf.proto.queue.QueueEntry;
import java.util.List;

/**
 * Feeds a queue log to a {@link QueueMachine} from wherever the log starts. From offset 0 every
 * entry applies; from a later start (the log start advanced past entries a checkpoint made
 * unnecessary) the entries before the first checkpoint describe a state the machine never saw,
 * so they are skipped until that checkpoint replaces the state. Mutable; single-threaded.
 */
public final class QueueReplay {
    private final QueueMachine machine;
    private boolean started;

    /**
     * @param machine        a machine that applied nothing yet
     * @param logStartOffset the first offset the log holds
     */
    public QueueReplay(QueueMachine machine, long logStartOffset) {
        this.machine = machine;
        this.started = logStartOffset == 0;
    }

    /** Applies the entry, or skips it while no checkpoint was met; returns the machine's effects. */
    public List<QueueEffect> apply(long offset, long timestampMs, QueueEntry entry) {
        if (!started) {
            if (!entry.hasCheckpoint()) {
                return List.of();
            }
            started = true;
        }
        return machine.apply(offset, timestampMs, entry);
    }

    /** Whether entries apply now (the log started at 0 or a checkpoint was met). */
    public boolean started() {
        return started;
    }

    /** The machine the entries are applied to, for its queries. */
    public QueueMachine machine() {
        return machine;
    }
}
