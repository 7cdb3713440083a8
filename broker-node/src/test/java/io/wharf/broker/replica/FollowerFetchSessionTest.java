package io.wharf.broker.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.FollowerPosition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FollowerFetchSessionTest {

    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);
    private static final TopicPartition P2 = new TopicPartition("t", 2);

    private static FollowerPosition at(long offset) {
        return new FollowerPosition(1, 4, offset, offset, 4);
    }

    private static Map<TopicPartition, FollowerPosition> positions(Object... pairs) {
        Map<TopicPartition, FollowerPosition> positions = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            positions.put((TopicPartition) pairs[i], (FollowerPosition) pairs[i + 1]);
        }
        return positions;
    }

    @Test
    void afterAFullRequestOpenedASessionOnlyChangedNewAndForgottenPartitionsAreSent() {
        FollowerFetchSession session = new FollowerFetchSession();
        FollowerFetchSession.Next full = session.next(positions(P0, at(3), P1, at(5)));
        assertEquals(new FollowerFetchSession.Next(0, 0, positions(P0, at(3), P1, at(5)), List.of()), full);
        session.answered(full, 42);

        FollowerFetchSession.Next quiet = session.next(positions(P0, at(3), P1, at(5)));
        assertEquals(new FollowerFetchSession.Next(42, 1, Map.of(), List.of()), quiet);
        session.answered(quiet, 42);

        FollowerFetchSession.Next moved = session.next(positions(P1, at(6), P2, at(0)));
        assertEquals(new FollowerFetchSession.Next(42, 2, positions(P1, at(6), P2, at(0)), List.of(P0)), moved);
        session.answered(moved, 42);

        assertEquals(new FollowerFetchSession.Next(42, 3, Map.of(), List.of()),
                session.next(positions(P1, at(6), P2, at(0))));
    }

    @Test
    void aLeaderWithoutRoomForASessionGetsFullRequests() {
        FollowerFetchSession session = new FollowerFetchSession();
        FollowerFetchSession.Next full = session.next(positions(P0, at(3)));
        session.answered(full, 0);

        assertTrue(session.next(positions(P0, at(3))).full());
    }

    @Test
    void aResetOrAnAnswerNamingAnotherSessionStartsOverWithAFullRequest() {
        FollowerFetchSession session = new FollowerFetchSession();
        session.answered(session.next(positions(P0, at(3))), 42);
        session.reset();
        assertEquals(new FollowerFetchSession.Next(0, 0, positions(P0, at(3)), List.of()),
                session.next(positions(P0, at(3))));

        session.answered(session.next(positions(P0, at(3))), 43);
        session.answered(session.next(positions(P0, at(3))), 44);
        assertTrue(session.next(positions(P0, at(3))).full());
    }
}
