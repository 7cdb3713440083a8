package io.wharf.replication.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class GroupCommitTest {
    private final AtomicLong logEnd = new AtomicLong();
    private final AtomicInteger flushCalls = new AtomicInteger();
    private final CountDownLatch firstFlushEntered = new CountDownLatch(1);
    private final CountDownLatch releaseFirstFlush = new CountDownLatch(1);
    private final GroupCommit commit = new GroupCommit(logEnd::get, () -> {
        if (flushCalls.incrementAndGet() == 1) {
            firstFlushEntered.countDown();
            try {
                releaseFirstFlush.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }, 0);

    private Thread waiter(long offset, CompletableFuture<Void> done) {
        Thread thread = new Thread(() -> {
            try {
                commit.awaitFlushed(offset);
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        }, "waiter-" + offset);
        thread.start();
        return thread;
    }

    @Test
    void appendsThatArriveDuringAnFsyncShareTheNextOne() throws Exception {
        logEnd.set(1);
        CompletableFuture<Void> first = new CompletableFuture<>();
        waiter(1, first);
        assertTrue(firstFlushEntered.await(10, TimeUnit.SECONDS));
        logEnd.set(3);
        CompletableFuture<Void> second = new CompletableFuture<>();
        CompletableFuture<Void> third = new CompletableFuture<>();
        Thread b = waiter(2, second);
        Thread c = waiter(3, third);
        await().atMost(Duration.ofSeconds(10)).until(() -> b.getState() == Thread.State.WAITING && c.getState() == Thread.State.WAITING);
        assertEquals(0, commit.flushedOffset(), "nothing is durable while the first fsync runs");
        releaseFirstFlush.countDown();
        CompletableFuture.allOf(first, second, third).get(10, TimeUnit.SECONDS);
        assertEquals(3, commit.flushedOffset());
        assertEquals(2, flushCalls.get(), "three appends, two fsyncs: the waiting two shared one");
        assertEquals(2, commit.fsyncCount());
        commit.awaitFlushed(3);
        assertEquals(2, flushCalls.get(), "already durable: no fsync");
    }

    @Test
    void anFsyncThatStartedBeforeATruncationClaimsNothingAndTheTruncatedWaiterFails() throws Exception {
        logEnd.set(5);
        CompletableFuture<Void> waiting = new CompletableFuture<>();
        waiter(5, waiting);
        assertTrue(firstFlushEntered.await(10, TimeUnit.SECONDS));
        logEnd.set(2);
        commit.onTruncate(2);
        releaseFirstFlush.countDown();
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof AppendTruncatedException, e.getCause().toString());
        assertEquals(0, commit.flushedOffset(), "the stale fsync did not claim offsets");
        commit.awaitFlushed(2);
        assertEquals(2, commit.flushedOffset());
    }

    @Test
    void flushesRecordedElsewhereAreNeverLowered() {
        commit.markFlushed(10);
        commit.markFlushed(4);
        assertEquals(10, commit.flushedOffset());
        commit.onTruncate(6);
        assertEquals(6, commit.flushedOffset());
    }
}
