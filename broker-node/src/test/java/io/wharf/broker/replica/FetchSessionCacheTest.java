package io.wharf.broker.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.TopicPartition;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FetchSessionCacheTest {

    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);
    private static final TopicPartition P2 = new TopicPartition("t", 2);

    private static FetchPosition at(long offset) {
        return new FetchPosition(offset, offset, 3, 3, 1024);
    }

    @Test
    void anIncrementalRequestUpdatesOnlyTheListedPartitionsAndKeepsTheOthers() {
        FetchSessionCache cache = new FetchSessionCache(10, Duration.ofMinutes(1));
        FetchSession session = cache.open(7, 0).orElseThrow();
        session.update(Map.of(P0, at(5)), List.of());
        session.update(Map.of(P1, at(9)), List.of());

        FetchSession resumed = cache.resume(7, session.id(), 1, 10);
        resumed.update(Map.of(P1, at(12)), List.of());
        resumed.update(Map.of(P2, at(0)), List.of());

        assertEquals(List.of(new FetchSession.Member(P0, at(5)), new FetchSession.Member(P1, at(12)),
                new FetchSession.Member(P2, at(0))), resumed.members());
    }

    @Test
    void forgottenPartitionsLeaveTheSessionAndAreNoLongerAnswered() {
        FetchSessionCache cache = new FetchSessionCache(10, Duration.ofMinutes(1));
        FetchSession session = cache.open(7, 0).orElseThrow();
        session.update(Map.of(P0, at(5), P1, at(9)), List.of());
        session.sent(P0, 5, 0);

        cache.resume(7, session.id(), 1, 1).update(Map.of(), List.of(P0));

        assertEquals(List.of(new FetchSession.Member(P1, at(9))), session.members());
        assertFalse(session.changedSinceSent(P0, 6, 0));
    }

    @Test
    void anAnswerCarriesAPartitionUntilItsHighWatermarkAndLogStartWereSent() {
        FetchSession session = new FetchSessionCache(10, Duration.ofMinutes(1)).open(7, 0).orElseThrow();
        session.update(Map.of(P0, at(5)), List.of());

        assertTrue(session.changedSinceSent(P0, 5, 0));
        session.sent(P0, 5, 0);
        assertFalse(session.changedSinceSent(P0, 5, 0));
        assertTrue(session.changedSinceSent(P0, 6, 0));
        assertTrue(session.changedSinceSent(P0, 5, 2));
    }

    @Test
    void aStaleOrRepeatedEpochIsRefusedAndTheNextOneAccepted() {
        FetchSessionCache cache = new FetchSessionCache(10, Duration.ofMinutes(1));
        FetchSession session = cache.open(7, 0).orElseThrow();
        cache.resume(7, session.id(), 1, 1);

        FetchSessionException repeated = assertThrows(FetchSessionException.class,
                () -> cache.resume(7, session.id(), 1, 2));
        assertEquals(ErrorCode.INVALID_FETCH_SESSION_EPOCH, repeated.code());
        assertEquals(ErrorCode.INVALID_FETCH_SESSION_EPOCH,
                assertThrows(FetchSessionException.class, () -> cache.resume(7, session.id(), 3, 2)).code());
        cache.resume(7, session.id(), 2, 3);
    }

    @Test
    void anUnknownSessionOrAnotherFollowersSessionIsNotFound() {
        FetchSessionCache cache = new FetchSessionCache(10, Duration.ofMinutes(1));
        FetchSession session = cache.open(7, 0).orElseThrow();

        assertEquals(ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
                assertThrows(FetchSessionException.class, () -> cache.resume(8, session.id(), 1, 1)).code());
        assertEquals(ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
                assertThrows(FetchSessionException.class, () -> cache.resume(7, session.id() + 1, 1, 1)).code());
    }

    @Test
    void aFullRequestReplacesTheFollowersSession() {
        FetchSessionCache cache = new FetchSessionCache(10, Duration.ofMinutes(1));
        FetchSession first = cache.open(7, 0).orElseThrow();
        FetchSession second = cache.open(7, 1).orElseThrow();

        assertNotEquals(first.id(), second.id());
        assertEquals(1, cache.size());
        assertEquals(ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
                assertThrows(FetchSessionException.class, () -> cache.resume(7, first.id(), 1, 2)).code());
        assertEquals(second, cache.resume(7, second.id(), 1, 2));
    }

    @Test
    void aFullCacheEvictsOnlyASessionIdleLongEnoughAndTheIdlestFirst() {
        FetchSessionCache cache = new FetchSessionCache(2, Duration.ofMillis(100));
        FetchSession one = cache.open(1, 0).orElseThrow();
        FetchSession two = cache.open(2, 10).orElseThrow();

        assertEquals(Optional.empty(), cache.open(3, 50));
        cache.resume(1, one.id(), 1, 60);

        FetchSession three = cache.open(3, 110).orElseThrow();
        assertEquals(2, cache.size());
        assertEquals(ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
                assertThrows(FetchSessionException.class, () -> cache.resume(2, two.id(), 1, 111)).code());
        assertEquals(one, cache.resume(1, one.id(), 2, 112));
        assertEquals(three, cache.resume(3, three.id(), 1, 112));
    }

    @Test
    void aCacheWithoutCapacityOpensNoSession() {
        assertEquals(Optional.empty(), new FetchSessionCache(0, Duration.ZERO).open(1, 0));
    }
}
