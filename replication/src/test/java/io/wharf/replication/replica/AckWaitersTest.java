package io.wharf.replication.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class AckWaitersTest {

    private static ErrorCode failure(CompletableFuture<Long> future) {
        ExecutionException e = assertThrows(ExecutionException.class, future::get);
        return assertInstanceOf(ReplicationException.class, e.getCause()).errorCode();
    }

    @Test
    void waitsCompleteInOffsetOrderAsTheHighWatermarkPassesThem() throws Exception {
        AckWaiters waiters = new AckWaiters();
        CompletableFuture<Long> late = waiters.await(20, 1000);
        CompletableFuture<Long> early = waiters.await(10, 1000);
        assertEquals(0, waiters.completeUpTo(9).size());
        List<Runnable> passed = waiters.completeUpTo(15);
        assertEquals(1, passed.size());
        assertFalse(early.isDone(), "completed only when the caller runs the completion");
        passed.forEach(Runnable::run);
        assertEquals(15L, early.get());
        assertFalse(late.isDone());
        waiters.completeUpTo(20).forEach(Runnable::run);
        assertEquals(20L, late.get());
        assertEquals(0, waiters.size());
    }

    @Test
    void waitsPastTheirDeadlineFailWithRequestTimedOut() {
        AckWaiters waiters = new AckWaiters();
        CompletableFuture<Long> soon = waiters.await(10, 100);
        CompletableFuture<Long> later = waiters.await(10, 200);
        assertEquals(100, waiters.nextDeadlineMs());
        assertEquals(0, waiters.expire(99, 0).size());
        List<Runnable> expired = waiters.expire(100, 0);
        assertEquals(1, expired.size());
        expired.forEach(Runnable::run);
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, failure(soon));
        assertFalse(later.isDone());
        assertEquals(200, waiters.nextDeadlineMs());
        waiters.completeUpTo(10).forEach(Runnable::run);
        assertEquals(Long.MAX_VALUE, waiters.nextDeadlineMs(), "a completed wait leaves the deadlines too");
    }

    @Test
    void losingLeadershipFailsEveryWait() {
        AckWaiters waiters = new AckWaiters();
        CompletableFuture<Long> a = waiters.await(10, 100);
        CompletableFuture<Long> b = waiters.await(30, 100);
        waiters.failAll(ErrorCode.NOT_LEADER, "leadership moved").forEach(Runnable::run);
        assertEquals(ErrorCode.NOT_LEADER, failure(a));
        assertEquals(ErrorCode.NOT_LEADER, failure(b));
        assertEquals(0, waiters.size());
        assertEquals(Long.MAX_VALUE, waiters.nextDeadlineMs());
        assertTrue(a.isCompletedExceptionally());
    }
}
