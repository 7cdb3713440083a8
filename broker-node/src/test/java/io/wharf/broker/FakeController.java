package io.wharf.broker;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.CommandOutcome;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.MetadataSnapshots;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.AllocateProducerIdsRequest;
import io.wharf.proto.controller.AllocateProducerIdsResponse;
import io.wharf.proto.controller.BrokerHeartbeatRequest;
import io.wharf.proto.controller.BrokerHeartbeatResponse;
import io.wharf.proto.controller.ControlledShutdownRequest;
import io.wharf.proto.controller.ControlledShutdownResponse;
import io.wharf.proto.controller.ControllerServiceGrpc;
import io.wharf.proto.controller.RegisterBrokerRequest;
import io.wharf.proto.controller.RegisterBrokerResponse;
import io.wharf.proto.controller.WatchMetadataRequest;
import io.wharf.proto.controller.WatchMetadataResponse;
import io.wharf.proto.metadata.ControlledShutdownCommand;
import io.wharf.proto.metadata.AllocateProducerIdsCommand;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.MetadataRecordBatch;
import io.wharf.proto.metadata.RegisterBrokerCommand;
import io.wharf.proto.metadata.UnfenceBrokerCommand;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One fake controller serving a {@link FakeQuorum} over real gRPC on a loopback port: answers as
 * the protocol promises (heartbeats only on the leader, NOT_CONTROLLER with the leader's endpoint
 * elsewhere) and records what it was asked. Test knobs: answer heartbeats STALE_BROKER_EPOCH,
 * answer without a known leader, commit registrations late (after the broker gave up on them),
 * re-send the whole log on watch, break streams, stop.
 */
final class FakeController {

    /**
     * One received request, for assertions. For a heartbeat, {@code wantFence} is what it asked,
     * and {@code brokerServing} whether the broker's registered endpoint accepted a connection
     * when it arrived; both are false for other calls.
     */
    record Call(String method, long brokerEpoch, long offset, boolean wantFence, boolean brokerServing) {
        Call(String method, long brokerEpoch, long offset) {
            this(method, brokerEpoch, offset, false, false);
        }
    }

    private final int id;
    private final FakeQuorum quorum;
    private final List<StreamObserver<WatchMetadataResponse>> watchers = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
    final AtomicInteger staleHeartbeats = new AtomicInteger();
    volatile boolean leaderUnknown;
    volatile boolean replayWholeLog;
    /** While true, open WatchMetadata streams stay open but receive nothing: a controller that stopped applying. */
    volatile boolean stalled;
    /**
     * When positive, a registration is committed (and answered) only this many ms after it
     * arrived, as a controller whose retries inside the quorum outlive the broker's deadline.
     */
    volatile long registrationCommitDelayMs;
    private Server server;

    FakeController(int id, FakeQuorum quorum) {
        this.id = id;
        this.quorum = quorum;
    }

    void start() throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new Service())
                .build()
                .start();
    }

    int id() {
        return id;
    }

    String endpoint() {
        return "127.0.0.1:" + server.getPort();
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    List<Call> calls(String method) {
        return calls.stream().filter(c -> c.method().equals(method)).toList();
    }

    int watcherCount() {
        return watchers.size();
    }

    /** Ends every open WatchMetadata stream with UNAVAILABLE, as a controller losing its connection would. */
    void breakStreams() {
        for (StreamObserver<WatchMetadataResponse> watcher : watchers) {
            watchers.remove(watcher);
            watcher.onError(Status.UNAVAILABLE.withDescription("stream broken by test").asRuntimeException());
        }
    }

    /** Stops the server at once, like a killed process. */
    void stop() {
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    void publish(MetadataRecordBatch batch) {
        if (stalled) {
            return;
        }
        for (StreamObserver<WatchMetadataResponse> watcher : watchers) {
            try {
                watcher.onNext(WatchMetadataResponse.newBuilder().setBatch(batch).build());
            } catch (RuntimeException e) {
                watchers.remove(watcher);
            }
        }
    }

    /** Whether {@code broker}'s registered endpoint accepts a TCP connection now. */
    private static boolean accepts(Optional<BrokerRegistration> broker) {
        if (broker.isEmpty()) {
            return false;
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(broker.get().host(), broker.get().port()), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private Optional<Error> notLeader() {
        int leader = quorum.leaderId();
        if (leader == id) {
            return Optional.empty();
        }
        if (leader < 0 || leaderUnknown) {
            return Optional.of(Error.newBuilder().setCode(ErrorCode.CONTROLLER_UNAVAILABLE).setLeaderId(-1).build());
        }
        return Optional.of(Error.newBuilder().setCode(ErrorCode.NOT_CONTROLLER).setLeaderId(leader)
                .setLeaderEndpoint(quorum.controller(leader).endpoint()).build());
    }

    private final class Service extends ControllerServiceGrpc.ControllerServiceImplBase {

        @Override
        public void registerBroker(RegisterBrokerRequest request, StreamObserver<RegisterBrokerResponse> observer) {
            // Stamped on arrival, like the real ControllerService.
            ControllerCommand command = ControllerCommand.newBuilder().setRegisterBroker(
                    RegisterBrokerCommand.newBuilder().setBrokerId(request.getBrokerId()).setHost(request.getHost())
                            .setPort(request.getPort()).setRack(request.getRack())
                            .setIncarnationId(request.getIncarnationId())
                            .setReceivedAtOffset(quorum.image().offset())).build();
            long delayMs = registrationCommitDelayMs;
            if (delayMs > 0) {
                CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS)
                        .execute(() -> commitRegistration(command, observer));
            } else {
                commitRegistration(command, observer);
            }
        }

        private void commitRegistration(ControllerCommand command, StreamObserver<RegisterBrokerResponse> observer) {
            CommandOutcome outcome = quorum.submit(command);
            long epoch = outcome.result().getBrokerEpoch();
            calls.add(new Call("RegisterBroker", epoch, -1));
            try {
                observer.onNext(RegisterBrokerResponse.newBuilder().setBrokerEpoch(epoch)
                        .setFenced(outcome.result().getBrokerFenced())
                        .setError(outcome.result().getItems(0).getError()).build());
                observer.onCompleted();
            } catch (RuntimeException callerGone) {
                // The broker's deadline passed long ago; the commit is what matters.
            }
        }

        @Override
        public void brokerHeartbeat(BrokerHeartbeatRequest request, StreamObserver<BrokerHeartbeatResponse> observer) {
            calls.add(new Call("BrokerHeartbeat", request.getBrokerEpoch(), request.getMetadataOffset(),
                    request.getWantFence(), accepts(quorum.image().broker(request.getBrokerId()))));
            BrokerHeartbeatResponse.Builder response = BrokerHeartbeatResponse.newBuilder();
            Optional<Error> redirect = notLeader();
            if (redirect.isPresent()) {
                response.setError(redirect.get());
            } else {
                synchronized (quorum) {
                    Optional<BrokerRegistration> broker = quorum.image().broker(request.getBrokerId());
                    if (broker.isEmpty() || broker.get().epoch() != request.getBrokerEpoch()
                            || staleHeartbeats.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        response.setError(Error.newBuilder().setCode(ErrorCode.STALE_BROKER_EPOCH)
                                .setMessage("register again"));
                    } else {
                        // As the active controller: a broker asking to stay fenced is not unfenced.
                        if (broker.get().fenced() && !request.getWantFence()
                                && request.getMetadataOffset() >= request.getBrokerEpoch()) {
                            quorum.submit(ControllerCommand.newBuilder().setUnfenceBroker(UnfenceBrokerCommand
                                    .newBuilder().setBrokerId(request.getBrokerId())
                                    .setBrokerEpoch(request.getBrokerEpoch())).build());
                        }
                        response.setFenced(quorum.image().broker(request.getBrokerId()).orElseThrow().fenced());
                    }
                }
            }
            observer.onNext(response.build());
            observer.onCompleted();
        }

        @Override
        public void allocateProducerIds(AllocateProducerIdsRequest request,
                                        StreamObserver<AllocateProducerIdsResponse> observer) {
            calls.add(new Call("AllocateProducerIds", request.getBrokerEpoch(), -1));
            CommandOutcome outcome = quorum.submit(ControllerCommand.newBuilder().setAllocateProducerIds(
                    AllocateProducerIdsCommand.newBuilder().setBrokerId(request.getBrokerId())
                            .setBrokerEpoch(request.getBrokerEpoch())).build());
            observer.onNext(AllocateProducerIdsResponse.newBuilder()
                    .setError(outcome.result().getItems(0).getError())
                    .setProducerIdStart(outcome.result().getProducerIdStart())
                    .setProducerIdCount(outcome.result().getProducerIdCount()).build());
            observer.onCompleted();
        }

        @Override
        public void controlledShutdown(ControlledShutdownRequest request,
                                       StreamObserver<ControlledShutdownResponse> observer) {
            calls.add(new Call("ControlledShutdown", request.getBrokerEpoch(), -1));
            CommandOutcome outcome = quorum.submit(ControllerCommand.newBuilder().setControlledShutdown(
                    ControlledShutdownCommand.newBuilder().setBrokerId(request.getBrokerId())
                            .setBrokerEpoch(request.getBrokerEpoch())).build());
            observer.onNext(ControlledShutdownResponse.newBuilder()
                    .setError(outcome.result().getItems(0).getError()).build());
            observer.onCompleted();
        }

        @Override
        public void watchMetadata(WatchMetadataRequest request, StreamObserver<WatchMetadataResponse> observer) {
            calls.add(new Call("WatchMetadata", -1, request.getFromOffset()));
            ServerCallStreamObserver<WatchMetadataResponse> call = (ServerCallStreamObserver<WatchMetadataResponse>) observer;
            call.setOnCancelHandler(() -> watchers.remove(observer));
            synchronized (quorum) {
                MetadataImage image = quorum.image();
                List<MetadataRecordBatch> log = quorum.log();
                if (request.getFromOffset() < 0 && image.offset() >= 0) {
                    observer.onNext(WatchMetadataResponse.newBuilder()
                            .setSnapshot(MetadataSnapshots.toSnapshot(image)).build());
                }
                for (MetadataRecordBatch batch : log) {
                    if (replayWholeLog || (request.getFromOffset() >= 0 && batch.getOffset() > request.getFromOffset())) {
                        observer.onNext(WatchMetadataResponse.newBuilder().setBatch(batch).build());
                    }
                }
                watchers.add(observer);
            }
        }
    }
}
