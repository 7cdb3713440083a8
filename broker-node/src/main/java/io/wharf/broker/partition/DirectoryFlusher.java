package io.wharf.broker.partition;

import io.wharf.replication.log.LogStorageException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fsync thread of one log directory in {@code flush.mode=sync}: leaders append and hand the
 * fsync here, so replication to followers proceeds while it runs, and a produce waits for the
 * larger of the local fsync and replication instead of their sum. Requests for a replica that
 * arrive while it is being flushed are served by the next round; every request made before a
 * round starts is covered by it, so concurrent producers share fsyncs.
 *
 * <p>Thread-safe; owns one thread, stopped by {@link #close()}.
 */
final class DirectoryFlusher implements FlushRequests, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DirectoryFlusher.class);

    private final int brokerId;
    private final LongConsumer fsyncNanos;
    private final Object lock = new Object();
    private final Set<Partition> pending = new LinkedHashSet<>();  // guarded by lock
    private boolean closed;                                        // guarded by lock
    private final Thread thread;

    /** @param fsyncNanos told how long each replica's fsync took (for the local_fsync metric) */
    DirectoryFlusher(int brokerId, String directoryName, LongConsumer fsyncNanos) {
        this.brokerId = brokerId;
        this.fsyncNanos = fsyncNanos;
        this.thread = new Thread(this::run, "broker-" + brokerId + "-fsync-" + directoryName);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    @Override
    public void requestFlush(Partition partition) {
        synchronized (lock) {
            if (pending.add(partition) && pending.size() == 1) {
                lock.notifyAll();
            }
        }
    }

    private void run() {
        while (true) {
            List<Partition> round;
            synchronized (lock) {
                while (pending.isEmpty() && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (pending.isEmpty()) {
                    return;
                }
                round = new ArrayList<>(pending);
                pending.clear();
            }
            for (Partition partition : round) {
                flush(partition);
            }
        }
    }

    private void flush(Partition partition) {
        try {
            long start = System.nanoTime();
            partition.flushLog();
            fsyncNanos.accept(System.nanoTime() - start);
        } catch (LogStorageException e) {
            log.error("Broker {} could not fsync {}", brokerId, partition.topicPartition(), e);
        } catch (IllegalStateException e) {
            // Closed meanwhile (deleted, moved away, or the broker stops): close() flushed it.
            log.debug("Broker {} skipped the fsync of closed {}: {}", brokerId, partition.topicPartition(),
                    e.toString());
        }
    }

    /** Runs the fsyncs already requested, then stops the thread. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
            if (thread.isAlive()) {
                log.warn("Broker {} fsync thread {} did not stop within 10 s", brokerId, thread.getName());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
