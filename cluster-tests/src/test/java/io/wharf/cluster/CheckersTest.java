package io.wharf.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.cli.cluster.NodeName;
import io.wharf.client.producer.RecordMetadata;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The history checkers of the nemesis suite on synthetic histories: each must find the anomaly
 * planted in it, and none in a clean history — a checker that cannot fail proves nothing.
 */
class CheckersTest {

    private static final String TOPIC = "t";

    @Test
    void acknowledgedRecordsAtTheirOffsetsAreClean() {
        AcknowledgedRecords records = acknowledged(Map.of(0L, 0L, 1L, 1L));
        assertEquals(List.of(), records.anomalies(Map.of(0, Map.of(0L, "t-0", 1L, "t-1", 2L, "t-2"))));
    }

    @Test
    void anAcknowledgedRecordStoredNowhereIsLost() {
        AcknowledgedRecords records = acknowledged(Map.of(0L, 0L, 1L, 1L));
        assertOne("lost: t-1", records.anomalies(Map.of(0, Map.of(0L, "t-0"))));
    }

    @Test
    void anAcknowledgedRecordElsewhereIsAtAnotherOffset() {
        AcknowledgedRecords records = acknowledged(Map.of(0L, 0L, 1L, 1L));
        assertOne("another offset: t-1", records.anomalies(Map.of(0, Map.of(0L, "t-0", 2L, "t-1"))));
    }

    @Test
    void aRecordStoredTwiceIsDuplicated() {
        AcknowledgedRecords records = acknowledged(Map.of(0L, 0L));
        assertOne("duplicated: t-0", records.anomalies(Map.of(0, Map.of(0L, "t-0", 1L, "t-0"))));
    }

    @Test
    void acknowledgedRecordsOutOfSendOrderAreFound() {
        AcknowledgedRecords records = acknowledged(Map.of(0L, 1L, 1L, 0L));
        assertOne("out of send order", records.anomalies(Map.of(0, Map.of(0L, "t-1", 1L, "t-0"))));
    }

    @Test
    void oneLeaderPerTermIsClean() {
        ControllerTermLeaders leaders = new ControllerTermLeaders();
        leaders.observed(1, "leader", 3, 0);
        leaders.observed(1, "leader", 3, 10);
        leaders.observed(2, "follower", 3, 10);
        leaders.observed(2, "leader", 4, 20);
        assertEquals(List.of(), leaders.violations());
        assertEquals(2, leaders.termsWithALeader());
    }

    @Test
    void twoLeadersInOneTermAreASplitBrain() {
        ControllerTermLeaders leaders = new ControllerTermLeaders();
        leaders.observed(1, "leader", 3, 0);
        leaders.observed(2, "leader", 3, 10);
        assertOne("term 3 has 2 leaders", leaders.violations());
    }

    @Test
    void metadataMovingForwardOrRestartingWithANewProcessIsClean() {
        BrokerMetadataOffsets offsets = new BrokerMetadataOffsets();
        offsets.observed(1, 100, 5, 0);
        offsets.observed(1, 100, 5, 10);
        offsets.observed(1, 100, 9, 20);
        offsets.observed(1, 200, 2, 30);  // restarted: a new process may start from an older image
        offsets.observed(2, 300, 1, 30);
        assertEquals(List.of(), offsets.violations());
    }

    @Test
    void metadataGoingBackwardsInOneProcessIsFound() {
        BrokerMetadataOffsets offsets = new BrokerMetadataOffsets();
        offsets.observed(1, 100, 9, 0);
        offsets.observed(1, 100, 8, 10);
        assertOne("broker 1 (pid 100) reported metadata offset 8", offsets.violations());
    }

    @Test
    void aCleanQueueHistoryHasNoAnomalies() {
        QueueDeliveries queue = new QueueDeliveries();
        queue.published("a");
        queue.confirmed("a");
        queue.delivered("a");
        queue.delivered("a");  // redelivered before its ack was confirmed: allowed
        queue.ackConfirmed("a");
        assertEquals(List.of(), queue.anomalies());
    }

    @Test
    void queueAnomaliesAreFound() {
        QueueDeliveries queue = new QueueDeliveries();
        queue.published("lost");
        queue.confirmed("lost");
        queue.delivered("never-published");
        queue.published("acked");
        queue.delivered("acked");
        queue.ackConfirmed("acked");
        queue.delivered("acked");
        List<String> anomalies = queue.anomalies();
        assertEquals(3, anomalies.size(), anomalies.toString());
        assertTrue(anomalies.get(0).startsWith("1 lost") && anomalies.get(0).contains("lost]"), anomalies.toString());
        assertTrue(anomalies.get(1).startsWith("1 unexpected"), anomalies.toString());
        assertTrue(anomalies.get(2).startsWith("1 acked redelivered"), anomalies.toString());
    }

    @Test
    void aFenceWithinASessionOfAFaultOnThatBrokerIsExcused() {
        EarlyFences fences = new EarlyFences(300);
        fences.observed(1, 2, 10, false, 9_000);
        fences.observed(1, 2, 10, true, 12_000);   // paused from 10 s: silent for the session, then fenced
        fences.observed(1, 3, 11, false, 12_000);  // another broker, never fenced
        assertEquals(1, fences.fences().size());
        assertEquals(List.of(), fences.violations(List.of(fault("pause", 2, 10_000, 14_000, 15_000))));
    }

    @Test
    void aFenceOfABrokerNoFaultHitIsEarly() {
        EarlyFences fences = new EarlyFences(300);
        fences.observed(1, 2, 10, false, 9_000);
        fences.observed(1, 2, 10, true, 9_100);
        assertOne("fenced early: broker 2 (registration 10)", fences.violations(List.of(
                fault("pause", 3, 8_000, 11_000, 12_000),        // another broker
                fault("kill", 2, 1_000, 2_000, 5_500),            // recovered before 9.0 - 2 - 0.3 - 1 = 5.7 s
                fault("slow-disk", 2, 8_000, 10_000, 10_500))));  // slow, not gone: still no excuse
    }

    @Test
    void aFaultEndingJustInsideTheBoundExcusesTheFence() {
        EarlyFences fences = new EarlyFences(300);
        fences.observed(1, 2, 10, false, 9_000);
        fences.observed(1, 2, 10, true, 9_100);
        assertEquals(List.of(), fences.violations(List.of(fault("kill", 2, 1_000, 2_000, 5_700))));
    }

    @Test
    void aNewRegistrationOrAStaleLeadersAnswerIsNoFence() {
        EarlyFences fences = new EarlyFences(300);
        fences.observed(2, 1, 10, false, 1_000);
        fences.observed(1, 1, 10, true, 1_100);   // a deposed leader's older term: ignored
        fences.observed(2, 1, 15, true, 1_200);   // restarted: its new registration starts fenced
        fences.observed(2, 1, 15, false, 3_000);
        assertEquals(List.of(), fences.fences());
    }

    @Test
    void acknowledgementsInTheLeadersOwnEpochAreClean() {
        FencedLeaderAcks leaders = brokerOneLeadsThenBrokerTwoFromTenSeconds();
        List<EarlyFences.Fence> fences = List.of(BROKER_ONE_FENCED_AT_TEN_SECONDS);
        Map<Integer, Map<Long, FencedLeaderAcks.Stored>> log = Map.of(0, Map.of(
                0L, new FencedLeaderAcks.Stored(5, "t-0"),
                1L, new FencedLeaderAcks.Stored(5, "t-1"),     // sent before the move, taken by the new leader
                2L, new FencedLeaderAcks.Stored(6, "t-2")));
        assertEquals(List.of(), leaders.violations(List.of(new FencedLeaderAcks.Ack(0, 0, "t-0", 100),
                new FencedLeaderAcks.Ack(0, 1, "t-1", 11_500), new FencedLeaderAcks.Ack(0, 2, "t-2", 20_000)),
                log, fences));
    }

    @Test
    void aWriteStoredInTheEpochOfALeaderFencedAndReplacedBeforeItWasSentIsFound() {
        FencedLeaderAcks leaders = brokerOneLeadsThenBrokerTwoFromTenSeconds();
        List<EarlyFences.Fence> fences = List.of(BROKER_ONE_FENCED_AT_TEN_SECONDS);
        Map<Integer, Map<Long, FencedLeaderAcks.Stored>> log = Map.of(0, Map.of(
                7L, new FencedLeaderAcks.Stored(5, "t-7")));
        long sent = 10_000 + FencedLeaderAcks.APPLY_BOUND_MS + 500;
        assertOne("fenced leader acknowledged: t-7 acknowledged at 0@7 in epoch 5 of broker 1",
                leaders.violations(List.of(new FencedLeaderAcks.Ack(0, 7, "t-7", sent)), log, fences));
    }

    @Test
    void aNewLeaderCutFromTheActiveControllerMayTakeTheDeposedLeadersAppendsUntilItsMetadataCatchesUp() {
        // Broker 2, named leader at 10 s, learns of it only once it noticed its metadata lag and
        // resumed the stream elsewhere; it follows broker 1 until then.
        FencedLeaderAcks leaders = brokerOneLeadsThenBrokerTwoFromTenSeconds();
        List<EarlyFences.Fence> fences = List.of(BROKER_ONE_FENCED_AT_TEN_SECONDS);
        Map<Integer, Map<Long, FencedLeaderAcks.Stored>> log = Map.of(0, Map.of(
                7L, new FencedLeaderAcks.Stored(5, "t-7"),
                8L, new FencedLeaderAcks.Stored(5, "t-8")));
        assertEquals(List.of(), leaders.violations(List.of(new FencedLeaderAcks.Ack(0, 7, "t-7", 12_500),
                new FencedLeaderAcks.Ack(0, 8, "t-8", 10_000 + FencedLeaderAcks.APPLY_BOUND_MS - 100)), log, fences));
    }

    @Test
    void aFencedLeaderThatNobodyReplacedMayStillAppendUntilItLearnsOfTheFence() {
        // Every broker cut from the active controller: all fenced, the partition left without a
        // leader (epoch 6, leader -1) until they are back; broker 1 re-elected at epoch 7.
        FencedLeaderAcks leaders = new FencedLeaderAcks();
        leaders.observed(1, 0, 5, 1, 0);
        leaders.observed(1, 0, 6, -1, 10_000);
        leaders.observed(1, 0, 7, 1, 18_000);
        List<EarlyFences.Fence> fences = List.of(new EarlyFences.Fence(1, 3, 9_000, 10_000));
        Map<Integer, Map<Long, FencedLeaderAcks.Stored>> log = Map.of(0, Map.of(
                7L, new FencedLeaderAcks.Stored(5, "t-7")));
        long sent = 10_000 + FencedLeaderAcks.APPLY_BOUND_MS + 500;  // beyond the bound: excused by no replacement
        assertEquals(List.of(), leaders.violations(List.of(new FencedLeaderAcks.Ack(0, 7, "t-7", sent)), log,
                fences));
        // Once another broker leads a later epoch, the same append is a zombie's.
        leaders.observed(1, 0, 8, 2, 20_000);
        assertOne("fenced leader acknowledged: t-8 acknowledged at 0@8 in epoch 5 of broker 1",
                leaders.violations(List.of(new FencedLeaderAcks.Ack(0, 8, "t-8",
                                20_000 + FencedLeaderAcks.APPLY_BOUND_MS + 500)),
                        Map.of(0, Map.of(8L, new FencedLeaderAcks.Stored(5, "t-8"))), fences));
    }

    @Test
    void anAcknowledgementAtAnOffsetOfAnEpochThatBeganBeforeTheSendIsAZombieAck() {
        FencedLeaderAcks leaders = new FencedLeaderAcks();
        leaders.observed(1, 0, 5, 1, 0);
        leaders.observed(1, 0, 6, 2, 10_000);
        Map<Integer, Map<Long, FencedLeaderAcks.Stored>> log = Map.of(0, Map.of(
                3L, new FencedLeaderAcks.Stored(6, "t-9")));  // the new leader's record where t-3 was acked
        assertOne("zombie ack: t-3 acknowledged at 0@3",
                leaders.violations(List.of(new FencedLeaderAcks.Ack(0, 3, "t-3", 10_500)), log, List.of()));
    }

    private static FaultLog.Entry fault(String kind, int brokerId, long injectedMs, long healedMs, long recoveredMs) {
        return new FaultLog.Entry(1, kind, kind + " broker-" + brokerId, Set.of(NodeName.broker(brokerId)), injectedMs,
                healedMs, recoveredMs);
    }

    /** Records acknowledged in partition 0: send sequence to offset. */
    private static AcknowledgedRecords acknowledged(Map<Long, Long> offsetsBySequence) {
        AcknowledgedRecords records = new AcknowledgedRecords(TOPIC);
        offsetsBySequence.forEach((sequence, offset) ->
                records.completed(sequence, new RecordMetadata(TOPIC, 0, offset, 0), null));
        return records;
    }

    private static void assertOne(String expectedStart, List<String> anomalies) {
        assertEquals(1, anomalies.size(), anomalies.toString());
        assertTrue(anomalies.get(0).startsWith(expectedStart), anomalies.toString());
    }

    /** Broker 1, registration epoch 3, last active at 9 s, seen fenced at 10 s. */
    private static final EarlyFences.Fence BROKER_ONE_FENCED_AT_TEN_SECONDS = new EarlyFences.Fence(1, 3, 9_000, 10_000);

    /** Partition 0 led by broker 1 in epoch 5 from the start, then by broker 2 in epoch 6 from 10 s. */
    private static FencedLeaderAcks brokerOneLeadsThenBrokerTwoFromTenSeconds() {
        FencedLeaderAcks leaders = new FencedLeaderAcks();
        leaders.observed(1, 0, 5, 1, 0);
        leaders.observed(1, 0, 6, 2, 10_000);
        return leaders;
    }
}
