package io.wharf.client.producer;

import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CompressionType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Per-partition queues of batches waiting to be sent: callers append records, the sender drains
 * batches that are full, have lingered long enough, or are wanted now (flush, close), and puts
 * failed batches back at the head of their queue for a retry. Thread-safe (one lock; the sender
 * waits on it for work).
 */
final class RecordAccumulator {

    /** What an append did. */
    enum AppendResult { APPENDED, APPENDED_TO_NEW_BATCH, NEEDS_NEW_BATCH }

    private final int batchSize;
    private final long lingerMs;
    private final CompressionType compression;
    private final long bufferMemory;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition space = lock.newCondition();
    private long bufferedBytes;
    private long batchesCreated;
    private final Map<TopicPartition, ArrayDeque<ProducerBatch>> queues = new LinkedHashMap<>();
    private final Set<ProducerBatch> incomplete = ConcurrentHashMap.newKeySet();
    private int flushesInProgress;
    private boolean closing;
    private boolean wakeupPending;

    /**
     * @param bufferMemory bytes of records queued or in flight beyond which appends wait
     *     ({@code buffer.memory}); bounds memory and, at unbounded send rates, queueing delay
     */
    RecordAccumulator(int batchSize, long lingerMs, CompressionType compression, long bufferMemory) {
        this.batchSize = batchSize;
        this.lingerMs = lingerMs;
        this.compression = compression;
        this.bufferMemory = bufferMemory;
    }

    /**
     * Appends to the partition's open batch, or starts a new one unless {@code abortOnNewBatch}
     * (then the caller may pick another sticky partition first). Waits up to {@code maxBlockMs}
     * while buffer.memory is used up.
     *
     * @throws ClientException REQUEST_TIMED_OUT when no memory was freed in time
     */
    AppendResult append(TopicPartition tp, ProducerRecord record, long timestamp, int size,
                        CompletableFuture<RecordMetadata> future, Callback callback, boolean abortOnNewBatch,
                        long nowMs, long maxBlockMs) {
        lock.lock();
        try {
            awaitSpace(size, maxBlockMs);
            ArrayDeque<ProducerBatch> queue = queues.computeIfAbsent(tp, k -> new ArrayDeque<>());
            ProducerBatch last = queue.peekLast();
            if (last != null && last.attempts == 0 && last.hasRoomFor(size, batchSize)) {
                last.append(timestamp, record.key(), record.value(), record.headers(), size, future, callback);
                bufferedBytes += size;
                if (last.isFull(batchSize)) {
                    signal();
                }
                return AppendResult.APPENDED;
            }
            if (last != null && last.attempts == 0 && !last.isFull(batchSize)) {
                last.closeForAppends(); // the record did not fit: send this batch now rather than after linger.ms
                signal();
            }
            if (abortOnNewBatch) {
                return AppendResult.NEEDS_NEW_BATCH;
            }
            ProducerBatch batch = new ProducerBatch(tp, compression, nowMs, batchesCreated++);
            batch.append(timestamp, record.key(), record.value(), record.headers(), size, future, callback);
            queue.addLast(batch);
            bufferedBytes += size;
            incomplete.add(batch);
            batch.done().whenComplete((v, e) -> release(batch));
            signal();
            return AppendResult.APPENDED_TO_NEW_BATCH;
        } finally {
            lock.unlock();
        }
    }

    private void awaitSpace(int size, long maxBlockMs) {
        long remainingNanos = TimeUnit.MILLISECONDS.toNanos(maxBlockMs);
        while (bufferedBytes > 0 && bufferedBytes + size > bufferMemory) {
            if (remainingNanos <= 0) {
                throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "buffer.memory (" + bufferMemory
                        + " bytes) stayed full for max.block.ms (" + maxBlockMs + "); the brokers are not keeping up");
            }
            try {
                remainingNanos = space.awaitNanos(remainingNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "interrupted while waiting for buffer.memory", e);
            }
        }
    }

    private void release(ProducerBatch batch) {
        lock.lock();
        try {
            incomplete.remove(batch);
            bufferedBytes -= batch.estimatedBytes();
            space.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the batches that are ready, grouped by the broker {@code route} names for their
     * partition, given the partition's first queued batch (null: not now — leader unknown, too many
     * requests of the partition or the broker in flight, a retry waiting for earlier requests).
     * Each broker's request stays within {@code maxRequestBytes} (but holds at least one batch).
     * A batch that fits is offered to {@code stamp}, which may give it its producer id and
     * sequence; when it answers false the partition's remaining batches wait. So every batch
     * stamped is taken.
     */
    Map<Endpoint, Map<TopicPartition, List<ProducerBatch>>> drain(long nowMs, Function<ProducerBatch, Endpoint> route,
                                                                  int maxRequestBytes, Predicate<ProducerBatch> stamp) {
        lock.lock();
        try {
            Map<Endpoint, Map<TopicPartition, List<ProducerBatch>>> requests = new LinkedHashMap<>();
            Map<Endpoint, Integer> bytes = new HashMap<>();
            for (Map.Entry<TopicPartition, ArrayDeque<ProducerBatch>> entry : queues.entrySet()) {
                ArrayDeque<ProducerBatch> queue = entry.getValue();
                if (!isReady(queue, nowMs)) {
                    continue;
                }
                Endpoint broker = route.apply(queue.peekFirst());
                if (broker == null) {
                    continue;
                }
                int used = bytes.getOrDefault(broker, 0);
                List<ProducerBatch> taken = new ArrayList<>();
                while (!queue.isEmpty() && nowMs >= queue.peekFirst().retryAtMs) {
                    ProducerBatch head = queue.peekFirst();
                    if (head == queue.peekLast() && !head.isFull(batchSize) && !urgent()
                            && nowMs - head.createdMs < lingerMs && head.attempts == 0) {
                        break;
                    }
                    int size = head.bytes().remaining();
                    if (used > 0 && used + size > maxRequestBytes) {
                        break;
                    }
                    if (!stamp.test(head)) {
                        break;
                    }
                    taken.add(queue.pollFirst());
                    used += size;
                }
                if (!taken.isEmpty()) {
                    bytes.put(broker, used);
                    requests.computeIfAbsent(broker, b -> new LinkedHashMap<>()).put(entry.getKey(), taken);
                }
            }
            return requests;
        } finally {
            lock.unlock();
        }
    }

    private boolean isReady(ArrayDeque<ProducerBatch> queue, long nowMs) {
        ProducerBatch head = queue.peekFirst();
        if (head == null || nowMs < head.retryAtMs) {
            return false;
        }
        return queue.size() > 1 || head.isFull(batchSize) || head.attempts > 0 || urgent()
                || nowMs - head.createdMs >= lingerMs;
    }

    private boolean urgent() {
        return flushesInProgress > 0 || closing;
    }

    /**
     * When the sender should look again, at the latest: the earliest linger or backoff end among
     * the partitions it could send now. Partitions it cannot ({@code sendable} false for their
     * first queued batch: too many requests in flight, no known leader, no sequence to be had)
     * are left out, or a batch that is ready but held would make the sender spin; what unblocks
     * them (a response, a metadata refresh) wakes the sender or is polled for.
     */
    long nextDeadlineMs(long nowMs, Predicate<ProducerBatch> sendable) {
        lock.lock();
        try {
            long next = Long.MAX_VALUE;
            for (Map.Entry<TopicPartition, ArrayDeque<ProducerBatch>> entry : queues.entrySet()) {
                ProducerBatch head = entry.getValue().peekFirst();
                if (head != null && sendable.test(head)) {
                    long due = head.attempts > 0 ? head.retryAtMs : Math.max(head.retryAtMs, head.createdMs + lingerMs);
                    next = Math.min(next, Math.max(due, nowMs));
                }
            }
            return next;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Puts batches (of one request, in queue order) that will be retried back at the head of their
     * queue, merged in creation order with retries already there: answers to pipelined requests
     * of a partition arrive in any order, and the retries must leave in the order first sent.
     */
    void reenqueue(TopicPartition tp, List<ProducerBatch> batches, long retryAtMs) {
        lock.lock();
        try {
            ArrayDeque<ProducerBatch> queue = queues.computeIfAbsent(tp, k -> new ArrayDeque<>());
            List<ProducerBatch> merged = new ArrayList<>(batches);
            for (ProducerBatch batch : batches) {
                batch.attempts++;
                batch.retryAtMs = retryAtMs;
            }
            long newest = batches.get(batches.size() - 1).creationIndex;
            while (!queue.isEmpty() && queue.peekFirst().creationIndex < newest) {
                merged.add(queue.pollFirst());
            }
            merged.sort(Comparator.comparingLong(batch -> batch.creationIndex));
            for (int i = merged.size() - 1; i >= 0; i--) {
                queue.addFirst(merged.get(i));
            }
        } finally {
            lock.unlock();
        }
    }

    /** The batches queued for {@code tp} now, first first. */
    List<ProducerBatch> queued(TopicPartition tp) {
        lock.lock();
        try {
            return List.copyOf(queues.getOrDefault(tp, new ArrayDeque<>()));
        } finally {
            lock.unlock();
        }
    }

    /** Removes and returns queued batches created at or before {@code createdBeforeMs}. */
    List<ProducerBatch> expire(long createdBeforeMs) {
        lock.lock();
        try {
            List<ProducerBatch> expired = new ArrayList<>();
            // A queue is in creation order (retries go back to the head, and are older than all
            // behind them), so only its head can be the oldest: this runs on every sender loop.
            for (ArrayDeque<ProducerBatch> queue : queues.values()) {
                while (!queue.isEmpty() && queue.peekFirst().createdMs <= createdBeforeMs) {
                    expired.add(queue.pollFirst());
                }
            }
            return expired;
        } finally {
            lock.unlock();
        }
    }

    /** Removes and returns every queued batch (a forced close). */
    List<ProducerBatch> removeAll() {
        return expire(Long.MAX_VALUE);
    }

    boolean hasQueued() {
        lock.lock();
        try {
            return queues.values().stream().anyMatch(q -> !q.isEmpty());
        } finally {
            lock.unlock();
        }
    }

    /** Batches queued or in flight. */
    List<CompletableFuture<Void>> incompleteBatches() {
        return incomplete.stream().map(ProducerBatch::done).toList();
    }

    boolean hasIncomplete() {
        return !incomplete.isEmpty();
    }

    /** Fails every batch queued or in flight (a forced close; late responses are then ignored). */
    void failIncomplete(RuntimeException exception) {
        List.copyOf(incomplete).forEach(batch -> batch.fail(exception));
    }

    void beginFlush() {
        lock.lock();
        try {
            flushesInProgress++;
            signal();
        } finally {
            lock.unlock();
        }
    }

    void endFlush() {
        lock.lock();
        try {
            flushesInProgress--;
        } finally {
            lock.unlock();
        }
    }

    void beginClose() {
        lock.lock();
        try {
            closing = true;
            signal();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the sender (a response arrived, a batch filled, a flush or close began). */
    void wakeup() {
        lock.lock();
        try {
            signal();
        } finally {
            lock.unlock();
        }
    }

    private void signal() {
        wakeupPending = true;
        work.signalAll();
    }

    /** Waits until {@link #wakeup()} or {@code untilMs} on the sender's clock. */
    void awaitWork(long waitMs) throws InterruptedException {
        lock.lock();
        try {
            if (!wakeupPending && waitMs > 0) {
                work.await(waitMs, TimeUnit.MILLISECONDS);
            }
            wakeupPending = false;
        } finally {
            lock.unlock();
        }
    }
}
