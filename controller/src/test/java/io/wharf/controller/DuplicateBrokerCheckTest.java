package io.wharf.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.controller.DuplicateBrokerCheck.Verdict;
import io.wharf.metadata.BrokerRegistration;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class DuplicateBrokerCheckTest {

    private static final Optional<BrokerRegistration> HOLDER =
            Optional.of(BrokerRegistration.registered(1, 40, "127.0.0.1", 9001, "", "first").withFenced(false));

    private final DuplicateBrokerCheck check = new DuplicateBrokerCheck();
    private final BrokerLiveness liveness = new BrokerLiveness(1000);

    private Verdict judge(Optional<BrokerRegistration> holder, String incarnation, long nowMs) {
        long epoch = holder.map(BrokerRegistration::epoch).orElse(-1L);
        return check.judge(holder, incarnation, liveness.ended(1, epoch, nowMs), liveness.lastHeartbeatMs(1, epoch),
                nowMs);
    }

    @Test
    void nothingCompetesWithoutAnotherNamedIncarnationThatIsStillRegistered() {
        assertEquals(Verdict.ADMIT, judge(Optional.empty(), "second", 0));
        assertEquals(Verdict.ADMIT, judge(HOLDER, "first", 0), "the holder itself retrying");
        assertEquals(Verdict.ADMIT, judge(HOLDER, "", 0), "tools register without an incarnation");
        assertEquals(Verdict.ADMIT, judge(HOLDER.map(BrokerRegistration::withShutDown), "second", 0));
    }

    @Test
    void aNewcomerWaitsWhileTheHolderMayBeAliveAndIsRefusedOnceTheHolderHeartbeatsAfterThat() {
        liveness.heartbeat(1, 40, 1_000);
        assertEquals(Verdict.WAIT, judge(HOLDER, "second", 1_100));
        assertEquals(Verdict.WAIT, judge(HOLDER, "second", 1_200), "no heartbeat since the first refusal");

        liveness.heartbeat(1, 40, 1_250);

        assertEquals(Verdict.DUPLICATE, judge(HOLDER, "second", 1_300));
        assertEquals(Verdict.WAIT, judge(HOLDER, "third", 1_300), "another newcomer starts its own wait");
    }

    @Test
    void aNewcomerIsAdmittedOnceTheSilentHoldersSessionTimesOut() {
        liveness.heartbeat(1, 40, 1_000);
        assertEquals(Verdict.WAIT, judge(HOLDER, "second", 1_100));
        assertEquals(Verdict.WAIT, judge(HOLDER, "second", 2_000));
        assertEquals(Verdict.ADMIT, judge(HOLDER, "second", 2_001));
    }

    @Test
    void aNewcomerIsAdmittedAtOnceWhenTheHoldersProcessWasSeenGone() {
        liveness.heartbeat(1, 40, 1_000);
        assertEquals(Verdict.WAIT, judge(HOLDER, "second", 1_100));
        liveness.markGone(1, 40);
        assertEquals(Verdict.ADMIT, judge(HOLDER, "second", 1_150));
    }

    @Test
    void onANewActiveControllerTheGrantedSessionIsNoProofOfLife() {
        liveness.ensureSession(1, 40, 5_000);
        assertEquals(Verdict.WAIT, judge(HOLDER, "second", 5_100));
        assertEquals(Verdict.WAIT, judge(HOLDER, "second", 5_900));
        liveness.heartbeat(1, 40, 5_950);
        assertEquals(Verdict.DUPLICATE, judge(HOLDER, "second", 6_000));
    }
}
