package io.wharf.broker.queue;

import io.wharf.queue.LoggedQueueEntry;
import io.wharf.queue.QueueEffect;
import io.wharf.queue.QueueEntryBatches;
import io.wharf.queue.QueueMachine;
import io.wharf.queue.QueueReplay;
import io.wharf.queue.QueueSettings;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatches;
import io.wharf.replication.log.Log;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A queue's {@link QueueMachine} as folded from the committed entries of its log on this
 * replica, leader or follower, and where the next entry to apply is. The entries this broker
 * appended as leader are applied from memory ({@link QueueEntryAppender}), the others read
 * back; whoever waits for an entry hears its effects as it is applied.
 *
 * <p>Confined to the queue thread.
 */
final class QueueLogApplier {

    static final int READ_BYTES = 1 << 20;

    /** Told of each entry as it is applied, in log order, after whoever waited for it. */
    interface Applied {
        void applied(LoggedQueueEntry item, List<QueueEffect> effects);
    }

    private final QueueSettings machineSettings;
    private final QueueEntryAppender own;
    private QueueMachine machine;
    /** The next log offset to apply. */
    private long nextOffset;
    /** The high watermark the last catch-up applied up to. */
    private long caughtUpTo;
    /** Feeds the machine, skipping what precedes the first checkpoint when the log starts after 0. */
    private QueueReplay replay;

    QueueLogApplier(QueueSettings machineSettings, QueueEntryAppender own) {
        this.machineSettings = machineSettings;
        this.own = own;
        this.machine = new QueueMachine(machineSettings);
        this.replay = new QueueReplay(machine, 0);
    }

    QueueMachine machine() {
        return machine;
    }

    /** The next log offset to apply: everything below it is applied. */
    long nextOffset() {
        return nextOffset;
    }

    /**
     * Whether {@code highWatermark} is past what the last {@link #catchUp} applied up to: entries
     * committed since wait to be applied.
     */
    boolean behind(long highWatermark) {
        return highWatermark > caughtUpTo;
    }

    /** Applies the entries of {@code log} below {@code endOffset} not applied yet; {@code then} hears of each. */
    void catchUp(Log log, long endOffset, Applied then) {
        caughtUpTo = endOffset;
        if (nextOffset < log.logStartOffset()) {
            // The state before the log start lives only in the first checkpoint after it.
            nextOffset = log.logStartOffset();
            machine = new QueueMachine(machineSettings);
            replay = new QueueReplay(machine, nextOffset);
        }
        while (nextOffset < endOffset) {
            LoggedQueueEntry appended = own.takeAppended(nextOffset);
            if (appended != null) {
                applyOne(appended, then);
                continue;
            }
            ByteBuffer read = log.readCopy(nextOffset, READ_BYTES, endOffset);
            if (!read.hasRemaining()) {
                return;
            }
            long readEnd = nextOffset;
            for (RecordBatch batch : RecordBatches.validateAll(read)) {
                readEnd = Math.max(readEnd, batch.nextOffset());
            }
            for (LoggedQueueEntry item : QueueEntryBatches.decode(read, nextOffset, endOffset)) {
                applyOne(item, then);
            }
            nextOffset = Math.max(nextOffset, Math.min(readEnd, endOffset));
        }
        own.forgetAppendedBelow(nextOffset);
    }

    private void applyOne(LoggedQueueEntry item, Applied then) {
        nextOffset = item.offset() + 1;  // what the effects deliver may be in this very batch
        List<QueueEffect> effects = replay.apply(item.offset(), item.timestampMs(), item.entry());
        QueueEntryAppender.Waiter waiter = own.takeWaiter(item.offset());
        if (waiter != null) {
            waiter.applied(effects);
        }
        then.applied(item, effects);
    }
}
