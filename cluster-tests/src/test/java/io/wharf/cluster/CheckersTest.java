package io.wharf.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.producer.RecordMetadata;
import java.util.List;
import java.util.Map;
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
}
