package io.wharf.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.BrokerLifecycle.Action;
import io.wharf.broker.BrokerLifecycle.Heartbeat;
import io.wharf.broker.BrokerLifecycle.Idle;
import io.wharf.broker.BrokerLifecycle.Register;
import io.wharf.broker.BrokerLifecycle.State;
import io.wharf.broker.BrokerLifecycle.Wait;
import io.wharf.proto.common.ErrorCode;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BrokerLifecycleTest {

    private static final long INTERVAL = 250;
    private static final long BACKOFF = 100;

    private final BrokerLifecycle lifecycle = new BrokerLifecycle(INTERVAL, BACKOFF);

    @Test
    void registersFirstThenHeartbeatsAtOnceFenced() {
        assertEquals(State.REGISTERING, lifecycle.state());
        assertInstanceOf(Register.class, lifecycle.poll(0));
        lifecycle.onRegistered(42, true, 10);
        assertEquals(State.FENCED, lifecycle.state());
        assertEquals(42, lifecycle.brokerEpoch());
        assertEquals(new Heartbeat(42), lifecycle.poll(10));
    }

    @Test
    void unfencedHeartbeatMakesItActiveAndNextHeartbeatFollowsTheInterval() {
        registerAt(0, 7);
        assertEquals(new Heartbeat(7), lifecycle.poll(0));
        lifecycle.onHeartbeatAnswered(false, 30);
        assertEquals(State.ACTIVE, lifecycle.state());
        assertEquals(new Wait(INTERVAL - 30), lifecycle.poll(30));
        assertEquals(new Heartbeat(7), lifecycle.poll(INTERVAL));
        lifecycle.onHeartbeatAnswered(true, INTERVAL + 5);
        assertEquals(State.FENCED, lifecycle.state());
    }

    @Test
    void aSlowHeartbeatIsFollowedImmediately() {
        registerAt(0, 7);
        lifecycle.poll(0);
        lifecycle.onHeartbeatAnswered(false, INTERVAL + 400);
        assertEquals(new Heartbeat(7), lifecycle.poll(INTERVAL + 400));
    }

    @Test
    void onlyOneRequestIsOutstanding() {
        assertInstanceOf(Register.class, lifecycle.poll(0));
        assertInstanceOf(Idle.class, lifecycle.poll(1_000));
        lifecycle.onRegistered(3, true, 1_000);
        assertEquals(new Heartbeat(3), lifecycle.poll(1_000));
        assertInstanceOf(Idle.class, lifecycle.poll(5_000));
    }

    @Test
    void staleEpochSendsItBackToRegisteringAtOnce() {
        registerAt(0, 7);
        lifecycle.poll(0);
        lifecycle.onHeartbeatAnswered(false, 0);
        lifecycle.poll(INTERVAL);
        lifecycle.onHeartbeatRejected(ErrorCode.STALE_BROKER_EPOCH, INTERVAL + 1);
        assertEquals(State.REGISTERING, lifecycle.state());
        assertEquals(-1, lifecycle.brokerEpoch());
        assertInstanceOf(Register.class, lifecycle.poll(INTERVAL + 1));
        lifecycle.onRegistered(19, true, INTERVAL + 2);
        assertEquals(new Heartbeat(19), lifecycle.poll(INTERVAL + 2));
    }

    @Test
    void aRegistrationAnsweredActiveKeepsTheEpochAndConfirmsItByHeartbeatAtOnce() {
        registerAt(0, 7);
        lifecycle.poll(0);
        lifecycle.onHeartbeatRejected(ErrorCode.STALE_BROKER_EPOCH, 5);
        assertInstanceOf(Register.class, lifecycle.poll(5));
        // The controllers still hold epoch 7 for this process, unfenced.
        lifecycle.onRegistered(7, false, 6);
        assertEquals(State.ACTIVE, lifecycle.state());
        assertEquals(7, lifecycle.brokerEpoch());
        assertEquals(new Heartbeat(7), lifecycle.poll(6));
        lifecycle.onHeartbeatAnswered(true, 8);
        assertEquals(State.FENCED, lifecycle.state());
    }

    @Test
    void unknownBrokerAlsoRegistersAgain() {
        registerAt(0, 7);
        lifecycle.poll(0);
        lifecycle.onHeartbeatRejected(ErrorCode.UNKNOWN_BROKER, 1);
        assertEquals(State.REGISTERING, lifecycle.state());
    }

    @Test
    void retriableErrorsKeepTheStateAndRetryAfterTheBackoff() {
        registerAt(0, 7);
        lifecycle.poll(0);
        lifecycle.onHeartbeatAnswered(false, 0);
        lifecycle.poll(INTERVAL);
        lifecycle.onHeartbeatRejected(ErrorCode.CONTROLLER_UNAVAILABLE, INTERVAL);
        assertEquals(State.ACTIVE, lifecycle.state());
        assertEquals(new Wait(BACKOFF), lifecycle.poll(INTERVAL));
        lifecycle.poll(INTERVAL + BACKOFF);
        lifecycle.onHeartbeatFailed(INTERVAL + BACKOFF);
        assertEquals(State.ACTIVE, lifecycle.state());
        assertEquals(new Wait(BACKOFF), lifecycle.poll(INTERVAL + BACKOFF));
    }

    @Test
    void failedRegistrationRetriesAfterTheBackoff() {
        lifecycle.poll(0);
        lifecycle.onRegistrationFailed(5);
        assertEquals(State.REGISTERING, lifecycle.state());
        assertEquals(new Wait(BACKOFF), lifecycle.poll(5));
        assertInstanceOf(Register.class, lifecycle.poll(5 + BACKOFF));
    }

    @Test
    void catchingUpWithItsOwnRegistrationBringsTheHeartbeatForward() {
        lifecycle.onReadyToServe(0);
        registerAt(0, 50);
        lifecycle.poll(0);
        lifecycle.onHeartbeatAnswered(true, 0);
        lifecycle.onMetadataAdvanced(49, 10);
        assertEquals(new Wait(INTERVAL - 10), lifecycle.poll(10));
        lifecycle.onMetadataAdvanced(50, 20);
        assertEquals(new Heartbeat(50), lifecycle.poll(20));
    }

    @Test
    void catchingUpDuringAHeartbeatSendsAnotherAsSoonAsItReturnsFenced() {
        lifecycle.onReadyToServe(0);
        registerAt(0, 50);
        assertEquals(new Heartbeat(50), lifecycle.poll(0));
        lifecycle.onMetadataAdvanced(50, 5);
        lifecycle.onHeartbeatAnswered(true, 8);
        assertEquals(new Heartbeat(50), lifecycle.poll(8));
    }

    @Test
    void untilItServesCatchingUpLeavesTheHeartbeatAtItsInterval() {
        assertFalse(lifecycle.readyToServe());
        registerAt(0, 50);
        lifecycle.poll(0);
        lifecycle.onHeartbeatAnswered(true, 0);
        lifecycle.onMetadataAdvanced(50, 10);
        assertEquals(new Wait(INTERVAL - 10), lifecycle.poll(10));

        lifecycle.onReadyToServe(20);
        assertTrue(lifecycle.readyToServe());
        assertEquals(new Heartbeat(50), lifecycle.poll(20));
    }

    @Test
    void readyToServeBeforeCatchingUpWaitsForTheMetadata() {
        registerAt(0, 50);
        lifecycle.poll(0);
        lifecycle.onHeartbeatAnswered(true, 0);
        lifecycle.onMetadataAdvanced(49, 5);
        lifecycle.onReadyToServe(10);
        assertEquals(new Wait(INTERVAL - 10), lifecycle.poll(10));
        lifecycle.onMetadataAdvanced(50, 20);
        assertEquals(new Heartbeat(50), lifecycle.poll(20));
    }

    @Test
    void readyToServeDuringAHeartbeatSendsAnotherAsSoonAsItReturnsFenced() {
        registerAt(0, 50);
        lifecycle.onMetadataAdvanced(50, 0);
        assertEquals(new Heartbeat(50), lifecycle.poll(0));   // still asks to stay fenced
        lifecycle.onReadyToServe(5);
        lifecycle.onHeartbeatAnswered(true, 8);
        assertEquals(new Heartbeat(50), lifecycle.poll(8));
    }

    @Test
    void readyToServeWhileRegisteringNeedsNothingMore() {
        lifecycle.onMetadataAdvanced(60, 0);
        assertInstanceOf(Register.class, lifecycle.poll(0));
        lifecycle.onReadyToServe(3);
        assertInstanceOf(Idle.class, lifecycle.poll(4));
        lifecycle.onRegistered(50, true, 5);
        assertEquals(new Heartbeat(50), lifecycle.poll(5));
    }

    @Test
    void metadataProgressDoesNothingWhenActive() {
        registerAt(0, 5);
        lifecycle.poll(0);
        lifecycle.onHeartbeatAnswered(false, 0);
        lifecycle.onMetadataAdvanced(100, 10);
        assertEquals(new Wait(INTERVAL - 10), lifecycle.poll(10));
    }

    @Test
    void shutdownHandsBackTheEpochAndStopsAllRequests() {
        registerAt(0, 9);
        assertEquals(new Heartbeat(9), lifecycle.poll(0));
        assertEquals(OptionalLong.of(9), lifecycle.beginShutdown());
        assertEquals(State.SHUTTING_DOWN, lifecycle.state());
        lifecycle.onHeartbeatAnswered(false, 1);   // the answer to the heartbeat in flight is ignored
        assertEquals(State.SHUTTING_DOWN, lifecycle.state());
        assertInstanceOf(Idle.class, lifecycle.poll(10_000));
        assertEquals(OptionalLong.empty(), lifecycle.beginShutdown());
        lifecycle.onShutdownFinished();
        assertEquals(State.STOPPED, lifecycle.state());
        assertInstanceOf(Idle.class, lifecycle.poll(20_000));
    }

    @Test
    void shutdownWhileUnregisteredHasNothingToHandOver() {
        lifecycle.poll(0);
        assertEquals(OptionalLong.empty(), lifecycle.beginShutdown());
    }

    @Test
    void outcomesWithoutAnOutstandingRequestAreIgnored() {
        lifecycle.onRegistered(5, true, 0);
        assertEquals(State.REGISTERING, lifecycle.state());
        assertEquals(-1, lifecycle.brokerEpoch());
    }

    /** Random outcomes and clock steps never break the invariants. */
    @Test
    void randomEventSequencesKeepTheInvariants() {
        for (long seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            BrokerLifecycle machine = new BrokerLifecycle(INTERVAL, BACKOFF);
            long now = 0;
            long epoch = 0;
            Action outstanding = null;
            for (int step = 0; step < 300; step++) {
                now += random.nextInt(200);
                if (outstanding == null) {
                    Action action = machine.poll(now);
                    if (action instanceof Wait wait) {
                        assertTrue(wait.delayMs() > 0, "seed " + seed);
                        assertTrue(wait.delayMs() <= Math.max(INTERVAL, BACKOFF), "seed " + seed);
                    } else if (action instanceof Register) {
                        assertEquals(State.REGISTERING, machine.state(), "seed " + seed);
                        outstanding = action;
                    } else if (action instanceof Heartbeat heartbeat) {
                        assertTrue(machine.state() == State.FENCED || machine.state() == State.ACTIVE);
                        assertEquals(machine.brokerEpoch(), heartbeat.brokerEpoch(), "seed " + seed);
                        outstanding = action;
                    }
                    continue;
                }
                assertInstanceOf(Idle.class, machine.poll(now), "seed " + seed);
                if (outstanding instanceof Register) {
                    if (random.nextBoolean()) {
                        // A retry of this incarnation keeps the epoch (and may find it active).
                        boolean retry = epoch > 0 && random.nextBoolean();
                        epoch += retry ? 0 : 1 + random.nextInt(5);
                        machine.onRegistered(epoch, !retry || random.nextBoolean(), now);
                    } else {
                        machine.onRegistrationFailed(now);
                    }
                } else {
                    switch (random.nextInt(4)) {
                        case 0 -> machine.onHeartbeatAnswered(random.nextBoolean(), now);
                        case 1 -> machine.onHeartbeatRejected(ErrorCode.STALE_BROKER_EPOCH, now);
                        case 2 -> machine.onHeartbeatRejected(ErrorCode.CONTROLLER_UNAVAILABLE, now);
                        default -> machine.onHeartbeatFailed(now);
                    }
                }
                outstanding = null;
                if (random.nextInt(10) == 0) {
                    machine.onMetadataAdvanced(epoch + random.nextInt(3) - 1, now);
                }
                if (random.nextInt(20) == 0) {
                    machine.onReadyToServe(now);
                }
                assertEquals(machine.state() == State.REGISTERING, machine.brokerEpoch() == -1, "seed " + seed);
                assertFalse(machine.state() == State.SHUTTING_DOWN || machine.state() == State.STOPPED);
            }
        }
    }

    private void registerAt(long now, long epoch) {
        assertInstanceOf(Register.class, lifecycle.poll(now));
        lifecycle.onRegistered(epoch, true, now);
    }
}
