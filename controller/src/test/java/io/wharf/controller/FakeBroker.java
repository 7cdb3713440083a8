package io.wharf.controller;

import static io.wharf.controller.QuickPolling.await;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.BrokerHeartbeatRequest;
import io.wharf.proto.controller.BrokerHeartbeatResponse;
import io.wharf.proto.controller.RegisterBrokerRequest;
import io.wharf.proto.controller.RegisterBrokerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A broker made of nothing but ControllerService calls: it registers (under an incarnation id that
 * changes only on {@link #restart}), and heartbeats to whichever
 * controller it last learned is active (following NOT_CONTROLLER redirects). It claims to have
 * applied metadata up to its own epoch. It registers the endpoint 127.0.0.1:port and, after
 * {@link #serve}, has a gRPC server listening there (serving nothing: an open port is all a
 * controller's crash detector looks at) until {@link #stopServing}, which closes its connections
 * and its listening socket at once, as a killed process's kernel does. Single-threaded, except that
 * {@link #heartbeat} may be called from a test's scheduler thread (it is synchronized).
 */
final class FakeBroker {

    private final InProcessQuorum quorum;
    private final int id;
    private final int port;
    private Server server;
    private long epoch = -1;
    private int controllerId = 1;
    private String incarnation = UUID.randomUUID().toString();

    /** A broker that registers port 19000 + id and listens nowhere. */
    FakeBroker(InProcessQuorum quorum, int id) {
        this(quorum, id, 19000 + id);
    }

    /** A broker that registers {@code port}, where {@link #serve} listens. */
    FakeBroker(InProcessQuorum quorum, int id, int port) {
        this.quorum = quorum;
        this.id = id;
        this.port = port;
    }

    int port() {
        return port;
    }

    /** Starts listening on 127.0.0.1:port with a gRPC server that serves no service. */
    synchronized FakeBroker serve() {
        if (server != null) {
            throw new IllegalStateException("broker " + id + " already serves port " + port);
        }
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException("broker " + id + " cannot listen on port " + port, e);
        }
        return this;
    }

    /** Closes the server's connections and listening socket now, as the death of the process would. */
    synchronized void stopServing() {
        if (server == null) {
            return;
        }
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server = null;
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

    /**
     * Registers through controller {@code via} and adopts the answered epoch; returns the whole
     * answer. As a broker does, it follows a NOT_CONTROLLER redirect (a registration of an id
     * another incarnation holds is judged by the active controller only) and registers again while
     * the answer is BROKER_ID_IN_USE (its previous process's session has not ended yet).
     */
    synchronized RegisterBrokerResponse registration(int via) {
        AtomicReference<RegisterBrokerResponse> answer = new AtomicReference<>();
        AtomicInteger target = new AtomicInteger(via);
        // In this thread: the condition calls this object's synchronized methods, whose lock this thread holds.
        await().pollInSameThread().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            RegisterBrokerResponse response = attemptRegistration(target.get());
            answer.set(response);
            ErrorCode code = response.getError().getCode();
            if (code == ErrorCode.NOT_CONTROLLER && response.getError().getLeaderId() > 0) {
                target.set(response.getError().getLeaderId());
                return false;
            }
            return code != ErrorCode.BROKER_ID_IN_USE;
        });
        RegisterBrokerResponse response = answer.get();
        if (response.getError().getCode() != ErrorCode.NONE) {
            throw new IllegalStateException("broker " + id + " could not register: " + response.getError());
        }
        epoch = response.getBrokerEpoch();
        return response;
    }

    /** One RegisterBroker through controller {@code via}, answered as it is; adopts nothing. */
    synchronized RegisterBrokerResponse attemptRegistration(int via) {
        return quorum.stub(via).registerBroker(RegisterBrokerRequest.newBuilder()
                .setBrokerId(id).setHost("127.0.0.1").setPort(port).setIncarnationId(incarnation).build());
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
