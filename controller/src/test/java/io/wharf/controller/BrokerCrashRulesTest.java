package io.wharf.controller;

import static io.grpc.ConnectivityState.CONNECTING;
import static io.grpc.ConnectivityState.IDLE;
import static io.grpc.ConnectivityState.READY;
import static io.grpc.ConnectivityState.SHUTDOWN;
import static io.grpc.ConnectivityState.TRANSIENT_FAILURE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.controller.BrokerCrashRules.Probe;
import io.wharf.controller.BrokerCrashRules.Step;
import io.wharf.controller.BrokerCrashRules.Target;
import io.wharf.metadata.MetadataImage;
import io.wharf.proto.metadata.FenceBrokerRecord;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.MetadataRecordBatch;
import io.wharf.proto.metadata.RegisterBrokerRecord;
import io.wharf.proto.metadata.UnfenceBrokerRecord;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BrokerCrashRulesTest {

    private long offset;

    private MetadataImage apply(MetadataImage image, MetadataRecord... records) {
        return image.apply(MetadataRecordBatch.newBuilder().setOffset(++offset).addAllRecords(List.of(records))
                .build());
    }

    private static MetadataRecord register(int id, long epoch, int port) {
        return MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder().setBrokerId(id)
                .setBrokerEpoch(epoch).setHost("10.0.0." + id).setPort(port)).build();
    }

    private static MetadataRecord unfence(int id, long epoch) {
        return MetadataRecord.newBuilder().setUnfenceBroker(UnfenceBrokerRecord.newBuilder().setBrokerId(id)
                .setBrokerEpoch(epoch)).build();
    }

    private static MetadataRecord fence(int id, long epoch) {
        return MetadataRecord.newBuilder().setFenceBroker(FenceBrokerRecord.newBuilder().setBrokerId(id)
                .setBrokerEpoch(epoch)).build();
    }

    /** Brokers 1 and 2 active at epochs 1 and 2, broker 3 registered (epoch 3) but still fenced. */
    private MetadataImage threeBrokers() {
        return apply(MetadataImage.empty(), register(1, 1, 9001), register(2, 2, 9002), register(3, 3, 9003),
                unfence(1, 1), unfence(2, 2));
    }

    @Test
    void onlyRegisteredUnfencedBrokersAreWatchedAtTheirEndpointAndEpoch() {
        MetadataImage image = threeBrokers();
        assertEquals(Map.of(1, new Target(1, 1, "10.0.0.1", 9001), 2, new Target(2, 2, "10.0.0.2", 9002)),
                BrokerCrashRules.targets(image));
        assertEquals(Map.of(2, new Target(2, 2, "10.0.0.2", 9002)),
                BrokerCrashRules.targets(apply(image, fence(1, 1))));
        assertEquals(Map.of(), BrokerCrashRules.targets(MetadataImage.empty()));
    }

    @Test
    void aBrokerSeenGoneIsFencedOnlyWhileThatVeryRegistrationIsActive() {
        MetadataImage image = threeBrokers();
        assertTrue(BrokerCrashRules.shouldFence(image, 1, 1));
        assertFalse(BrokerCrashRules.shouldFence(image, 1, 0), "an older epoch");
        assertFalse(BrokerCrashRules.shouldFence(image, 3, 3), "already fenced (not yet unfenced)");
        assertFalse(BrokerCrashRules.shouldFence(image, 4, 1), "never registered");

        MetadataImage fenced = apply(image, fence(1, 1));
        assertFalse(BrokerCrashRules.shouldFence(fenced, 1, 1), "fenced already, e.g. by its session timeout");

        // The broker restarted on the same port and registered again: its predecessor's crash fences nothing,
        // neither while the new registration is fenced nor once it is active.
        MetadataImage registeredAgain = apply(image, register(1, 10, 9001));
        assertFalse(BrokerCrashRules.shouldFence(registeredAgain, 1, 1));
        MetadataImage activeAgain = apply(registeredAgain, unfence(1, 10));
        assertFalse(BrokerCrashRules.shouldFence(activeAgain, 1, 1));
        assertTrue(BrokerCrashRules.shouldFence(activeAgain, 1, 10));
    }

    @Test
    void aConnectionThatWasNeverReadyIsNeverProbed() {
        Step connecting = BrokerCrashRules.onStateChange(false, IDLE, CONNECTING);
        assertEquals(new Step(false, false, false), connecting);
        assertEquals(new Step(false, false, false), BrokerCrashRules.onStateChange(false, CONNECTING, TRANSIENT_FAILURE));
        assertEquals(new Step(false, false, true), BrokerCrashRules.onStateChange(false, TRANSIENT_FAILURE, IDLE));
    }

    @Test
    void aDroppedConnectionIsProbedAtOnceAndOnEveryFailedReconnectUntilReadyAgain() {
        Step dropped = BrokerCrashRules.onStateChange(false, READY, IDLE);
        assertEquals(new Step(true, true, true), dropped);
        Step connecting = BrokerCrashRules.onStateChange(dropped.armed(), IDLE, CONNECTING);
        assertEquals(new Step(true, false, false), connecting);
        Step failed = BrokerCrashRules.onStateChange(connecting.armed(), CONNECTING, TRANSIENT_FAILURE);
        assertEquals(new Step(true, true, false), failed);
        Step back = BrokerCrashRules.onStateChange(failed.armed(), CONNECTING, READY);
        assertEquals(new Step(false, false, false), back);
        // A transport that fails straight from READY is probed too.
        assertEquals(new Step(true, true, false), BrokerCrashRules.onStateChange(false, READY, TRANSIENT_FAILURE));
        assertEquals(new Step(true, false, false), BrokerCrashRules.onStateChange(false, READY, SHUTDOWN));
    }

    @Test
    void aProbeTellsARefusedPortFromAListeningOne() throws IOException {
        int port;
        try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = listening.getLocalPort();
            assertEquals(Probe.ACCEPTED, BrokerCrashDetector.probe(new Target(1, 1, "127.0.0.1", port)));
        }
        assertEquals(Probe.REFUSED, BrokerCrashDetector.probe(new Target(1, 1, "127.0.0.1", port)));
    }
}
