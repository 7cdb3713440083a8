package io.wharf.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.wharf.controller.FreePorts;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.BrokerHeartbeatRequest;
import io.wharf.proto.controller.BrokerHeartbeatResponse;
import io.wharf.proto.controller.RegisterBrokerRequest;
import io.wharf.proto.controller.RegisterBrokerResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ControllerChannelsTest {

    private FakeQuorum quorum;
    private ControllerChannels channels;

    @AfterEach
    void tearDown() {
        if (channels != null) {
            channels.close();
        }
        if (quorum != null) {
            quorum.close();
        }
    }

    @Test
    void heartbeatFollowsTheNotControllerHintAndRemembersTheLeader() throws Exception {
        quorum = FakeQuorum.start(3);
        quorum.setLeader(3);
        channels = open(HostPort.parseList(quorum.bootstrap()));
        long epoch = register();

        BrokerHeartbeatResponse first = heartbeat(epoch);
        assertEquals(ErrorCode.NONE, first.getError().getCode());
        assertEquals(1, quorum.controller(1).calls("BrokerHeartbeat").size());
        assertEquals(1, quorum.controller(3).calls("BrokerHeartbeat").size());
        assertEquals(HostPort.parse(quorum.controller(3).endpoint()), channels.leaderHint());

        heartbeat(epoch);
        assertEquals(1, quorum.controller(1).calls("BrokerHeartbeat").size(), "goes straight to the leader");
        assertEquals(2, quorum.controller(3).calls("BrokerHeartbeat").size());
    }

    @Test
    void aDeadControllerIsSkipped() throws Exception {
        quorum = FakeQuorum.start(2);
        quorum.setLeader(2);
        List<HostPort> bootstrap = new ArrayList<>();
        bootstrap.add(new HostPort("127.0.0.1", FreePorts.one()));
        bootstrap.addAll(HostPort.parseList(quorum.bootstrap()));
        channels = open(bootstrap);

        long epoch = register();
        assertEquals(1, quorum.controller(1).calls("RegisterBroker").size());
        assertEquals(HostPort.parse(quorum.controller(1).endpoint()), channels.current());
        assertEquals(ErrorCode.NONE, heartbeat(epoch).getError().getCode());
        assertEquals(1, quorum.controller(2).calls("BrokerHeartbeat").size());
    }

    @Test
    void aLeaderThatDiesIsForgottenAndTheNextControllerRedirects() throws Exception {
        quorum = FakeQuorum.start(3);
        quorum.setLeader(1);
        channels = open(HostPort.parseList(quorum.bootstrap()));
        long epoch = register();
        assertEquals(ErrorCode.NONE, heartbeat(epoch).getError().getCode());

        quorum.controller(1).stop();
        quorum.setLeader(3);
        assertEquals(ErrorCode.NONE, heartbeat(epoch).getError().getCode());
        assertEquals(1, quorum.controller(2).calls("BrokerHeartbeat").size());
        assertEquals(1, quorum.controller(3).calls("BrokerHeartbeat").size());
    }

    @Test
    void noLeaderIsReportedAndTheNextCallStartsElsewhere() throws Exception {
        quorum = FakeQuorum.start(2);
        quorum.setLeader(-1);
        channels = open(HostPort.parseList(quorum.bootstrap()));
        long epoch = register();
        assertEquals(ErrorCode.CONTROLLER_UNAVAILABLE, heartbeat(epoch).getError().getCode());
        assertEquals(HostPort.parse(quorum.controller(2).endpoint()), channels.current());
    }

    @Test
    void whenEveryControllerIsDownTheCallFailsAfterBoundedAttempts() throws Exception {
        channels = open(List.of(new HostPort("127.0.0.1", FreePorts.one()), new HostPort("127.0.0.1", FreePorts.one())));
        ControllerUnavailableException e = assertThrows(ControllerUnavailableException.class, this::register);
        assertEquals(true, e.getMessage().contains("4 attempts"), e.getMessage());
    }

    private ControllerChannels open(List<HostPort> bootstrap) {
        return new ControllerChannels(bootstrap, ControllerChannels.nettyChannels(), Duration.ofSeconds(2));
    }

    private long register() throws ControllerUnavailableException {
        RegisterBrokerResponse response = channels.call(ControllerChannels.Target.ANY,
                stub -> stub.registerBroker(RegisterBrokerRequest.newBuilder().setBrokerId(5).setHost("127.0.0.1")
                        .setPort(9005).build()), RegisterBrokerResponse::getError);
        assertEquals(ErrorCode.NONE, response.getError().getCode());
        return response.getBrokerEpoch();
    }

    private BrokerHeartbeatResponse heartbeat(long epoch) throws ControllerUnavailableException {
        return channels.call(ControllerChannels.Target.LEADER,
                stub -> stub.brokerHeartbeat(BrokerHeartbeatRequest.newBuilder().setBrokerId(5).setBrokerEpoch(epoch)
                        .setMetadataOffset(epoch).build()), BrokerHeartbeatResponse::getError);
    }
}
