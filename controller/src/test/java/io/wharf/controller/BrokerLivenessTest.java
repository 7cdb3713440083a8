package io.wharf.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.controller.BrokerLiveness.ExpiredSession;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class BrokerLivenessTest {

    private final BrokerLiveness liveness = new BrokerLiveness(1000);

    @Test
    void brokerExpiresOnlyAfterMoreThanTheTimeoutOfSilence() {
        liveness.heartbeat(1, 10, 5_000);
        assertEquals(List.of(), liveness.expired(6_000));
        assertEquals(List.of(new ExpiredSession(1, 10)), liveness.expired(6_001));
    }

    @Test
    void aControllerThatStalledRestartsEverySessionInsteadOfExpiringThem() {
        liveness.heartbeat(1, 10, 0);
        liveness.heartbeat(2, 20, 0);
        liveness.markGone(2, 20);
        assertFalse(liveness.restartIfStalled(100));
        assertFalse(liveness.restartIfStalled(200), "checks at the usual interval");
        assertFalse(liveness.restartIfStalled(700), "half a session (500 ms) is not a stall yet");
        // Paused for 3 s: the brokers' heartbeats of that time are still in its sockets.
        assertTrue(liveness.restartIfStalled(3_700));
        assertEquals(List.of(), liveness.expired(3_700));
        assertTrue(liveness.ended(2, 20, 3_700), "a broker seen gone stays gone");
        assertFalse(liveness.ended(1, 10, 3_700));
        assertEquals(OptionalLong.of(0), liveness.lastHeartbeatMs(1, 10),
                "a restart is not a heartbeat from the broker");
        // A broker that stays silent after the restart expires one session later.
        assertFalse(liveness.restartIfStalled(3_800));
        assertEquals(List.of(new ExpiredSession(1, 10), new ExpiredSession(2, 20)), liveness.expired(4_701));
    }

    @Test
    void heartbeatRenewsTheSession() {
        liveness.heartbeat(1, 10, 0);
        liveness.heartbeat(1, 10, 900);
        assertEquals(List.of(), liveness.expired(1_800));
        assertEquals(List.of(new ExpiredSession(1, 10)), liveness.expired(1_901));
    }

    @Test
    void expiredBrokersAreListedByIdWithTheirEpoch() {
        liveness.heartbeat(3, 30, 0);
        liveness.heartbeat(1, 10, 0);
        liveness.heartbeat(2, 20, 2_000);
        assertEquals(List.of(new ExpiredSession(1, 10), new ExpiredSession(3, 30)), liveness.expired(2_500));
    }

    @Test
    void aNewEpochReplacesTheSessionAndAnOlderOneIsIgnored() {
        liveness.heartbeat(1, 10, 0);
        liveness.heartbeat(1, 12, 500);
        liveness.heartbeat(1, 10, 1_400);
        assertEquals(List.of(new ExpiredSession(1, 12)), liveness.expired(1_501));
    }

    @Test
    void ensureSessionGrantsAFreshSessionOnlyToBrokersWithoutOne() {
        liveness.heartbeat(1, 10, 0);
        liveness.ensureSession(1, 10, 5_000);
        liveness.ensureSession(2, 20, 5_000);
        assertEquals(List.of(new ExpiredSession(1, 10)), liveness.expired(5_500));
        assertEquals(List.of(new ExpiredSession(1, 10), new ExpiredSession(2, 20)), liveness.expired(6_001));
    }

    @Test
    void ensureSessionWithANewerEpochStartsOver() {
        liveness.heartbeat(1, 10, 0);
        liveness.ensureSession(1, 11, 900);
        assertEquals(List.of(), liveness.expired(1_500));
        assertEquals(List.of(new ExpiredSession(1, 11)), liveness.expired(1_901));
    }

    @Test
    void msSinceHeartbeatIsEmptyForUnknownBrokers() {
        liveness.heartbeat(1, 10, 100);
        assertEquals(OptionalLong.of(250), liveness.msSinceHeartbeat(1, 350));
        assertEquals(OptionalLong.empty(), liveness.msSinceHeartbeat(2, 350));
        liveness.forget(1);
        assertTrue(liveness.msSinceHeartbeat(1, 350).isEmpty());
        assertEquals(List.of(), liveness.expired(10_000));
    }

    @Test
    void timeoutMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new BrokerLiveness(0));
    }
}
