package io.wharf.controller;

import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.BrokerHeartbeatRequest;
import io.wharf.proto.controller.BrokerHeartbeatResponse;
import io.wharf.proto.controller.ControllerServiceGrpc.ControllerServiceBlockingStub;
import io.wharf.proto.controller.RegisterBrokerRequest;
import io.wharf.proto.controller.RegisterBrokerResponse;
import java.util.UUID;

/**
 * A broker made of nothing but ControllerService calls: it registers (under an incarnation id that
 * changes only on {@link #restart}), and heartbeats to whichever
 * controller it last learned is active (following NOT_CONTROLLER redirects). It claims to have
 * applied metadata up to its own epoch. Single-threaded, except that {@link #heartbeat} may be
 * called from a test's scheduler thread (it is synchronized).
 */
final class FakeBroker {

    private final InProcessQuorum quorum;
    private final int id;
    private long epoch = -1;
    private int controllerId = 1;
    private String incarnation = UUID.randomUUID().toString();

    FakeBroker(InProcessQuorum quorum, int id) {
        this.quorum = quorum;
        this.id = id;
    }

    int id() {
        return id;
    }

    synchronized long epoch() {
        return epoch;
    }

    /** Registers through controller {@code via}; returns the epoch it answered. */
    synchronized long register(int via) {
        return registration(via).getBrokerEpoch();
    }

    /** Registers through controller {@code via} and adopts the answered epoch; returns the whole answer. */
    synchronized RegisterBrokerResponse registration(int via) {
        RegisterBrokerResponse response = quorum.stub(via).registerBroker(RegisterBrokerRequest.newBuilder()
                .setBrokerId(id).setHost("127.0.0.1").setPort(19000 + id).setIncarnationId(incarnation).build());
        if (response.getError().getCode() != ErrorCode.NONE) {
            throw new IllegalStateException("broker " + id + " could not register: " + response.getError());
        }
        epoch = response.getBrokerEpoch();
        return response;
    }

    /** Becomes a new process of this broker: a new incarnation id, no epoch until it registers. */
    synchronized void restart() {
        incarnation = UUID.randomUUID().toString();
        epoch = -1;
    }

    /**
     * One heartbeat to the controller believed active, following NOT_CONTROLLER redirects and
     * trying the next controller when one is down or knows no leader, at most one round.
     */
    synchronized BrokerHeartbeatResponse heartbeat() {
        BrokerHeartbeatResponse response = null;
        for (int attempt = 0; attempt < quorum.ids().size() + 1; attempt++) {
            response = send(controllerId);
            ErrorCode code = response.getError().getCode();
            if (code == ErrorCode.NOT_CONTROLLER && response.getError().getLeaderId() > 0
                    && response.getError().getLeaderId() != controllerId) {
                controllerId = response.getError().getLeaderId();
            } else if (code == ErrorCode.NOT_CONTROLLER || code == ErrorCode.CONTROLLER_UNAVAILABLE) {
                controllerId = controllerId % quorum.ids().size() + 1;
            } else {
                return response;
            }
        }
        return response;
    }

    private BrokerHeartbeatResponse send(int controller) {
        try {
            return quorum.stub(controller).brokerHeartbeat(BrokerHeartbeatRequest.newBuilder()
                    .setBrokerId(id).setBrokerEpoch(epoch).setMetadataOffset(epoch).build());
        } catch (RuntimeException e) {
            // That controller is down.
            return BrokerHeartbeatResponse.newBuilder().setFenced(true).setError(
                    WireErrors.of(ErrorCode.CONTROLLER_UNAVAILABLE, e.toString())).build();
        }
    }
}
