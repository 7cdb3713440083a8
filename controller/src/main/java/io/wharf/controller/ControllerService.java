package io.wharf.controller;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.CommandProcessor;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.MetadataViews;
import io.wharf.metadata.QueueImage;
import io.wharf.metadata.TopicImage;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.AllocateProducerIdsRequest;
import io.wharf.proto.controller.AllocateProducerIdsResponse;
import io.wharf.proto.controller.AlterConfigsRequest;
import io.wharf.proto.controller.AlterConfigsResponse;
import io.wharf.proto.controller.AlterPartitionRequest;
import io.wharf.proto.controller.AlterPartitionResponse;
import io.wharf.proto.controller.BindRequest;
import io.wharf.proto.controller.BindResponse;
import io.wharf.proto.controller.BrokerHeartbeatRequest;
import io.wharf.proto.controller.BrokerHeartbeatResponse;
import io.wharf.proto.controller.ControlledShutdownRequest;
import io.wharf.proto.controller.ControlledShutdownResponse;
import io.wharf.proto.controller.ControllerInfo;
import io.wharf.proto.controller.ControllerServiceGrpc;
import io.wharf.proto.controller.CreateTopicsRequest;
import io.wharf.proto.controller.CreateTopicsResponse;
import io.wharf.proto.controller.DeclareExchangeRequest;
import io.wharf.proto.controller.DeclareExchangeResponse;
import io.wharf.proto.controller.DeclareQueueRequest;
import io.wharf.proto.controller.DeclareQueueResponse;
import io.wharf.proto.controller.DeleteExchangeRequest;
import io.wharf.proto.controller.DeleteExchangeResponse;
import io.wharf.proto.controller.DeleteQueueRequest;
import io.wharf.proto.controller.DeleteQueueResponse;
import io.wharf.proto.controller.DeleteTopicsRequest;
import io.wharf.proto.controller.DeleteTopicsResponse;
import io.wharf.proto.controller.DescribeClusterRequest;
import io.wharf.proto.controller.DescribeClusterResponse;
import io.wharf.proto.controller.DescribeTopicsRequest;
import io.wharf.proto.controller.DescribeTopicsResponse;
import io.wharf.proto.controller.ElectLeadersRequest;
import io.wharf.proto.controller.ElectLeadersResponse;
import io.wharf.proto.controller.ListBindingsRequest;
import io.wharf.proto.controller.ListBindingsResponse;
import io.wharf.proto.controller.ListExchangesRequest;
import io.wharf.proto.controller.ListExchangesResponse;
import io.wharf.proto.controller.ListQueuesRequest;
import io.wharf.proto.controller.ListQueuesResponse;
import io.wharf.proto.controller.ListTopicsRequest;
import io.wharf.proto.controller.ListTopicsResponse;
import io.wharf.proto.controller.RegisterBrokerRequest;
import io.wharf.proto.controller.RegisterBrokerResponse;
import io.wharf.proto.controller.TopicResult;
import io.wharf.proto.controller.UnbindRequest;
import io.wharf.proto.controller.UnbindResponse;
import io.wharf.proto.controller.WatchMetadataRequest;
import io.wharf.proto.controller.WatchMetadataResponse;
import io.wharf.proto.metadata.AllocateProducerIdsCommand;
import io.wharf.proto.metadata.AlterPartitionCommand;
import io.wharf.proto.metadata.AlterTopicConfigsCommand;
import io.wharf.proto.metadata.BindCommand;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.ControlledShutdownCommand;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.DeleteExchangeCommand;
import io.wharf.proto.metadata.DeleteQueueCommand;
import io.wharf.proto.metadata.DeleteTopicsCommand;
import io.wharf.proto.metadata.ElectPreferredLeadersCommand;
import io.wharf.proto.metadata.ItemResult;
import io.wharf.proto.metadata.RegisterBrokerCommand;
import io.wharf.proto.metadata.TopicSpec;
import io.wharf.proto.metadata.UnbindCommand;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ControllerService every controller serves. Writes go through this controller's
 * {@link QuorumClient} (Ratis forwards them to the leader); reads wait for a linearizable read
 * barrier and answer from the local image; heartbeats need the active controller's soft state and
 * are redirected with NOT_CONTROLLER elsewhere. Thread-safe; handlers never block on the quorum
 * (they complete from future callbacks).
 */
final class ControllerService extends ControllerServiceGrpc.ControllerServiceImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(ControllerService.class);

    private final int nodeId;
    private final AppliedMetadata applied;
    private final QuorumClient quorum;
    private final ClusterView cluster;
    private final Supplier<Optional<LeaderDuties>> duties;
    private final LeaderForwarding forwarding;
    private final Executor workers;
    private final int watchMaxPending;
    private final long forwardDeadlineMs;

    ControllerService(ControllerConfig config, AppliedMetadata applied, QuorumClient quorum, ClusterView cluster,
            Supplier<Optional<LeaderDuties>> duties, LeaderForwarding forwarding, Executor workers) {
        this.nodeId = config.nodeId();
        this.applied = applied;
        this.quorum = quorum;
        this.cluster = cluster;
        this.duties = duties;
        this.forwarding = forwarding;
        this.workers = workers;
        this.watchMaxPending = config.watchMaxPending();
        this.forwardDeadlineMs = 2 * config.peerProbeTimeoutMs() + config.quorumRequestTimeoutMs();
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void createTopics(CreateTopicsRequest request, StreamObserver<CreateTopicsResponse> out) {
        ControllerCommand command = ControllerCommand.newBuilder()
                .setCreateTopics(CreateTopicsCommand.newBuilder().addAllTopics(request.getTopicsList())).build();
        List<String> names = request.getTopicsList().stream().map(TopicSpec::getName).toList();
        answer(out, commit(command),
                result -> CreateTopicsResponse.newBuilder().addAllResults(topicResults(result)).build(),
                failure -> CreateTopicsResponse.newBuilder().addAllResults(failedTopics(names, failure)).build());
    }

    @Override
    public void deleteTopics(DeleteTopicsRequest request, StreamObserver<DeleteTopicsResponse> out) {
        ControllerCommand command = ControllerCommand.newBuilder()
                .setDeleteTopics(DeleteTopicsCommand.newBuilder().addAllNames(request.getNamesList())).build();
        answer(out, commit(command),
                result -> DeleteTopicsResponse.newBuilder().addAllResults(topicResults(result)).build(),
                failure -> DeleteTopicsResponse.newBuilder()
                        .addAllResults(failedTopics(request.getNamesList(), failure)).build());
    }

    @Override
    public void alterConfigs(AlterConfigsRequest request, StreamObserver<AlterConfigsResponse> out) {
        ControllerCommand command = ControllerCommand.newBuilder().setAlterTopicConfigs(AlterTopicConfigsCommand
                .newBuilder().setTopic(request.getTopic()).putAllSet(request.getSetMap())
                .addAllDelete(request.getDeleteList())).build();
        answer(out, commit(command),
                result -> AlterConfigsResponse.newBuilder().setResult(topicResults(result).get(0)).build(),
                failure -> AlterConfigsResponse.newBuilder()
                        .setResult(failedTopics(List.of(request.getTopic()), failure).get(0)).build());
    }

    @Override
    public void electLeaders(ElectLeadersRequest request, StreamObserver<ElectLeadersResponse> out) {
        ControllerCommand command = ControllerCommand.newBuilder().setElectPreferredLeaders(
                ElectPreferredLeadersCommand.newBuilder().addAllPartitions(request.getPartitionsList())).build();
        List<String> names = request.getPartitionsList().stream()
                .map(ref -> ref.getTopic() + "-" + ref.getPartition()).toList();
        answer(out, commit(command),
                result -> ElectLeadersResponse.newBuilder().addAllResults(topicResults(result)).build(),
                failure -> ElectLeadersResponse.newBuilder()
                        .addAllResults(failedTopics(names.isEmpty() ? List.of("*") : names, failure)).build());
    }

    /**
     * Registers a broker process. The command is stamped with the offset this controller had
     * applied when the request arrived. Every registration committed after that is above it, so
     * this request, should it be committed only after another process of the same broker
     * registered (a retry inside the quorum outliving the broker that sent it), cannot replace
     * that newer registration (see {@code RegisterBrokerCommand.received_at_offset}). A controller
     * lagging behind a registration it has not applied yet refuses a fresh process too; that
     * broker's next attempt, after the controller caught up, passes.
     *
     * <p>A registration of an id another process holds is judged first, by the active controller
     * only, since only it keeps sessions ({@link DuplicateBrokerCheck}): BROKER_ID_IN_USE while the
     * holder may be alive, DUPLICATE_BROKER_ID once it proved alive; other controllers redirect it
     * with NOT_CONTROLLER.
     */
    @Override
    public void registerBroker(RegisterBrokerRequest request, StreamObserver<RegisterBrokerResponse> out) {
        Optional<Error> refusal = duplicateRefusal(request);
        if (refusal.isPresent()) {
            // BROKER_ID_IN_USE repeats every retry backoff of a restarting broker: worth a line only when final.
            if (refusal.get().getCode() == ErrorCode.DUPLICATE_BROKER_ID) {
                LOG.warn("Controller {}: registration of broker {} (incarnation {}) refused: {}", nodeId,
                        request.getBrokerId(), request.getIncarnationId(), refusal.get().getMessage());
            } else {
                LOG.debug("Controller {}: registration of broker {} (incarnation {}) refused: {} {}", nodeId,
                        request.getBrokerId(), request.getIncarnationId(), refusal.get().getCode(),
                        refusal.get().getMessage());
            }
            complete(out, () -> RegisterBrokerResponse.newBuilder().setError(refusal.get()).setBrokerEpoch(-1)
                    .setFenced(true).build());
            return;
        }
        ControllerCommand command = ControllerCommand.newBuilder().setRegisterBroker(RegisterBrokerCommand.newBuilder()
                .setBrokerId(request.getBrokerId())
                .setHost(request.getHost())
                .setPort(request.getPort())
                .setRack(request.getRack())
                .setIncarnationId(request.getIncarnationId())).build();
        answer(out, commit(stampArrival(command)),
                result -> {
                    boolean ok = WireErrors.firstError(result).getCode() == ErrorCode.NONE;
                    logRegistration(request, result);
                    return RegisterBrokerResponse.newBuilder()
                            .setError(WireErrors.firstError(result))
                            .setBrokerEpoch(ok ? result.getBrokerEpoch() : -1)
                            .setFenced(!ok || result.getBrokerFenced())
                            .build();
                },
                failure -> RegisterBrokerResponse.newBuilder().setError(WireErrors.of(failure)).setBrokerEpoch(-1)
                        .setFenced(true).build());
    }

    /** Why {@code request} may not register now because another process holds its broker id, if it may not. */
    private Optional<Error> duplicateRefusal(RegisterBrokerRequest request) {
        Optional<BrokerRegistration> holder = applied.image().broker(request.getBrokerId());
        if (!DuplicateBrokerCheck.competes(holder, request.getIncarnationId())) {
            return Optional.empty();
        }
        Optional<LeaderDuties> active = duties.get();
        if (active.isEmpty()) {
            return Optional.of(WireErrors.notController(nodeId, cluster.leader().filter(voter -> voter.id() != nodeId)));
        }
        String held = "broker id " + request.getBrokerId() + " is registered with epoch " + holder.get().epoch()
                + " by another process (incarnation '" + holder.get().incarnationId() + "', " + holder.get().host()
                + ":" + holder.get().port() + ")";
        return switch (active.get().judgeRegistration(request.getBrokerId(), request.getIncarnationId())) {
            case ADMIT -> Optional.empty();
            case WAIT -> Optional.of(WireErrors.of(ErrorCode.BROKER_ID_IN_USE, held + " whose session is still "
                    + "alive; register again: a process that died is fenced within the session timeout"));
            case DUPLICATE -> Optional.of(WireErrors.of(ErrorCode.DUPLICATE_BROKER_ID, held + " that is alive: it "
                    + "heartbeated after this process (incarnation '" + request.getIncarnationId() + "', "
                    + request.getHost() + ":" + request.getPort() + ") was told to wait. Two processes were started "
                    + "with node.id " + request.getBrokerId() + "; stop this one and give it its own node.id"));
        };
    }

    /** Registrations are rare and decide broker epochs; each outcome is worth a line when diagnosing fencing. */
    private void logRegistration(RegisterBrokerRequest request, CommandResult result) {
        Error error = WireErrors.firstError(result);
        if (error.getCode() != ErrorCode.NONE) {
            LOG.info("Controller {}: registration of broker {} (incarnation {}) refused at offset {}: {} {}", nodeId,
                    request.getBrokerId(), request.getIncarnationId(), result.getOffset(), error.getCode(),
                    error.getMessage());
        } else if (result.getBrokerEpoch() == result.getOffset()) {
            LOG.info("Controller {}: broker {} (incarnation {}) registered with epoch {}", nodeId,
                    request.getBrokerId(), request.getIncarnationId(), result.getBrokerEpoch());
        } else {
            LOG.info("Controller {}: registration of broker {} (incarnation {}) at offset {} was a retry; it keeps "
                    + "epoch {}", nodeId, request.getBrokerId(), request.getIncarnationId(), result.getOffset(),
                    result.getBrokerEpoch());
        }
    }

    private ControllerCommand stampArrival(ControllerCommand command) {
        return command.toBuilder().setRegisterBroker(command.getRegisterBroker().toBuilder()
                .setReceivedAtOffset(applied.image().offset())).build();
    }

    @Override
    public void controlledShutdown(ControlledShutdownRequest request, StreamObserver<ControlledShutdownResponse> out) {
        ControllerCommand command = ControllerCommand.newBuilder().setControlledShutdown(
                ControlledShutdownCommand.newBuilder()
                        .setBrokerId(request.getBrokerId())
                        .setBrokerEpoch(request.getBrokerEpoch())).build();
        answer(out, commit(command),
                result -> ControlledShutdownResponse.newBuilder().setError(WireErrors.firstError(result)).build(),
                failure -> ControlledShutdownResponse.newBuilder().setError(WireErrors.of(failure)).build());
    }

    @Override
    public void alterPartition(AlterPartitionRequest request, StreamObserver<AlterPartitionResponse> out) {
        ControllerCommand command = ControllerCommand.newBuilder().setAlterPartition(AlterPartitionCommand.newBuilder()
                .setBrokerId(request.getBrokerId())
                .setBrokerEpoch(request.getBrokerEpoch())
                .setTopic(request.getTopic())
                .setPartition(request.getPartition())
                .setLeaderEpoch(request.getLeaderEpoch())
                .setPartitionEpoch(request.getPartitionEpoch())
                .addAllNewIsr(request.getNewIsrList())).build();
        answer(out, commit(command),
                result -> {
                    AlterPartitionResponse.Builder response = AlterPartitionResponse.newBuilder()
                            .setError(WireErrors.firstError(result));
                    if (result.hasPartition()) {
                        response.setPartition(result.getPartition());
                    }
                    return response.build();
                },
                failure -> AlterPartitionResponse.newBuilder().setError(WireErrors.of(failure)).build());
    }

    @Override
    public void allocateProducerIds(AllocateProducerIdsRequest request, StreamObserver<AllocateProducerIdsResponse> out) {
        ControllerCommand command = ControllerCommand.newBuilder().setAllocateProducerIds(
                AllocateProducerIdsCommand.newBuilder()
                        .setBrokerId(request.getBrokerId())
                        .setBrokerEpoch(request.getBrokerEpoch())).build();
        answer(out, commit(command),
                result -> {
                    boolean ok = WireErrors.firstError(result).getCode() == ErrorCode.NONE;
                    return AllocateProducerIdsResponse.newBuilder()
                            .setError(WireErrors.firstError(result))
                            .setProducerIdStart(ok ? result.getProducerIdStart() : -1)
                            .setProducerIdCount(ok ? result.getProducerIdCount() : 0)
                            .build();
                },
                failure -> AllocateProducerIdsResponse.newBuilder().setError(WireErrors.of(failure))
                        .setProducerIdStart(-1).build());
    }

    // ---------------------------------------------------------------- exchanges, queues, bindings

    @Override
    public void declareExchange(DeclareExchangeRequest request, StreamObserver<DeclareExchangeResponse> out) {
        answer(out, committedAndRead(ControllerCommand.newBuilder().setDeclareExchange(request.getExchange()).build()),
                result -> DeclareExchangeResponse.newBuilder().setError(WireErrors.firstError(result))
                        .setMetadataOffset(applied.image().offset()).build(),
                failure -> DeclareExchangeResponse.newBuilder().setError(WireErrors.of(failure)).build());
    }

    @Override
    public void deleteExchange(DeleteExchangeRequest request, StreamObserver<DeleteExchangeResponse> out) {
        ControllerCommand command = ControllerCommand.newBuilder().setDeleteExchange(DeleteExchangeCommand.newBuilder()
                .setName(request.getName()).setIfUnused(request.getIfUnused())).build();
        answer(out, committedAndRead(command),
                result -> DeleteExchangeResponse.newBuilder().setError(WireErrors.firstError(result))
                        .setMetadataOffset(applied.image().offset()).build(),
                failure -> DeleteExchangeResponse.newBuilder().setError(WireErrors.of(failure)).build());
    }

    /**
     * Declares a queue and answers it as the image holds it afterwards (new, or as it already
     * was). The command was applied by the leader; the read barrier makes this controller's image
     * hold it too before it is read.
     */
    @Override
    public void declareQueue(DeclareQueueRequest request, StreamObserver<DeclareQueueResponse> out) {
        String name = request.getQueue().getName();
        CompletableFuture<CommandResult> declared = committedAndRead(ControllerCommand.newBuilder()
                .setDeclareQueue(request.getQueue()).build());
        answer(out, declared,
                result -> {
                    DeclareQueueResponse.Builder response = DeclareQueueResponse.newBuilder()
                            .setError(WireErrors.firstError(result));
                    if (response.getError().getCode() == ErrorCode.NONE) {
                        MetadataImage image = applied.image();
                        response.setMetadataOffset(image.offset());
                        image.queue(name).ifPresent(queue -> response.setQueue(MetadataViews.toQueueInfo(queue, image)));
                    }
                    return response.build();
                },
                failure -> DeclareQueueResponse.newBuilder().setError(WireErrors.of(failure)).build());
    }

    @Override
    public void deleteQueue(DeleteQueueRequest request, StreamObserver<DeleteQueueResponse> out) {
        ControllerCommand command = ControllerCommand.newBuilder()
                .setDeleteQueue(DeleteQueueCommand.newBuilder().setName(request.getName())).build();
        answer(out, committedAndRead(command),
                result -> DeleteQueueResponse.newBuilder().setError(WireErrors.firstError(result))
                        .setMetadataOffset(applied.image().offset()).build(),
                failure -> DeleteQueueResponse.newBuilder().setError(WireErrors.of(failure)).build());
    }

    @Override
    public void bind(BindRequest request, StreamObserver<BindResponse> out) {
        ControllerCommand command = ControllerCommand.newBuilder()
                .setBind(BindCommand.newBuilder().setBinding(request.getBinding())).build();
        answer(out, committedAndRead(command),
                result -> BindResponse.newBuilder().setError(WireErrors.firstError(result))
                        .setMetadataOffset(applied.image().offset()).build(),
                failure -> BindResponse.newBuilder().setError(WireErrors.of(failure)).build());
    }

    @Override
    public void unbind(UnbindRequest request, StreamObserver<UnbindResponse> out) {
        ControllerCommand command = ControllerCommand.newBuilder()
                .setUnbind(UnbindCommand.newBuilder().setBinding(request.getBinding())).build();
        answer(out, committedAndRead(command),
                result -> UnbindResponse.newBuilder().setError(WireErrors.firstError(result))
                        .setMetadataOffset(applied.image().offset()).build(),
                failure -> UnbindResponse.newBuilder().setError(WireErrors.of(failure)).build());
    }

    /**
     * {@link #commit}, then, when it succeeded, a read barrier: this controller's image holds the
     * change, so its offset is one the brokers will reach with the change in it.
     */
    private CompletableFuture<CommandResult> committedAndRead(ControllerCommand command) {
        return commit(command).thenCompose(result -> WireErrors.firstError(result).getCode() != ErrorCode.NONE
                ? CompletableFuture.completedFuture(result)
                : quorum.awaitLinearizableRead().thenApply(ignored -> result));
    }

    /**
     * Commits a command, or answers at once what the leader would refuse anyway (the stateless
     * checks), so bad input never reaches the log.
     */
    private CompletableFuture<CommandResult> commit(ControllerCommand command) {
        List<ItemResult> refused = CommandProcessor.precheck(command);
        if (!refused.isEmpty()) {
            return CompletableFuture.completedFuture(
                    CommandResult.newBuilder().setOffset(-1).addAllItems(refused).build());
        }
        return quorum.submit(command);
    }

    private static List<TopicResult> topicResults(CommandResult result) {
        return result.getItemsList().stream()
                .map(item -> TopicResult.newBuilder().setName(item.getName()).setError(WireErrors.of(item)).build())
                .toList();
    }

    private static List<TopicResult> failedTopics(List<String> names, Throwable failure) {
        return names.stream()
                .map(name -> TopicResult.newBuilder().setName(name).setError(WireErrors.of(failure)).build())
                .toList();
    }

    // ---------------------------------------------------------------- reads

    @Override
    public void listTopics(ListTopicsRequest request, StreamObserver<ListTopicsResponse> out) {
        afterReadBarrier(out, image -> ListTopicsResponse.newBuilder().addAllNames(image.topics().keySet()).build());
    }

    @Override
    public void describeTopics(DescribeTopicsRequest request, StreamObserver<DescribeTopicsResponse> out) {
        afterReadBarrier(out, image -> {
            DescribeTopicsResponse.Builder response = DescribeTopicsResponse.newBuilder();
            if (request.getNamesCount() == 0) {
                for (TopicImage topic : image.topics().values()) {
                    response.addTopics(MetadataViews.toTopicDescription(topic));
                }
                return response.build();
            }
            Set<String> names = new LinkedHashSet<>(request.getNamesList());
            for (String name : names) {
                Optional<TopicImage> topic = image.topic(name);
                if (topic.isPresent()) {
                    response.addTopics(MetadataViews.toTopicDescription(topic.get()));
                } else {
                    response.addErrors(TopicResult.newBuilder().setName(name).setError(WireErrors.of(
                            ErrorCode.UNKNOWN_TOPIC, "topic '" + name + "' does not exist; list topics to see"
                                    + " which do")));
                }
            }
            return response.build();
        });
    }

    @Override
    public void listExchanges(ListExchangesRequest request, StreamObserver<ListExchangesResponse> out) {
        afterReadBarrier(out, image -> ListExchangesResponse.newBuilder().addAllExchanges(image.exchanges().values()
                .stream().map(MetadataViews::toExchangeInfo).toList()).build());
    }

    @Override
    public void listQueues(ListQueuesRequest request, StreamObserver<ListQueuesResponse> out) {
        afterReadBarrier(out, image -> {
            ListQueuesResponse.Builder response = ListQueuesResponse.newBuilder();
            if (request.getNamesCount() == 0) {
                for (QueueImage queue : image.queues().values()) {
                    response.addQueues(MetadataViews.toQueueInfo(queue, image));
                }
                return response.build();
            }
            for (String name : new LinkedHashSet<>(request.getNamesList())) {
                Optional<QueueImage> queue = image.queue(name);
                if (queue.isPresent()) {
                    response.addQueues(MetadataViews.toQueueInfo(queue.get(), image));
                } else {
                    response.addErrors(TopicResult.newBuilder().setName(name).setError(WireErrors.of(
                            ErrorCode.NOT_FOUND, "queue '" + name + "' does not exist; list queues to see which do")));
                }
            }
            return response.build();
        });
    }

    @Override
    public void listBindings(ListBindingsRequest request, StreamObserver<ListBindingsResponse> out) {
        afterReadBarrier(out, image -> ListBindingsResponse.newBuilder().addAllBindings(request.getSource().isEmpty()
                ? image.bindings() : image.bindingSet().from(request.getSource())).build());
    }

    /** Answers from the local image once it is at least as new as every write completed before the call. */
    private <R> void afterReadBarrier(StreamObserver<R> out, Function<MetadataImage, R> read) {
        quorum.awaitLinearizableRead().whenComplete((ignored, failure) -> {
            if (failure != null) {
                out.onError(Status.UNAVAILABLE.withDescription(ErrorCode.CONTROLLER_UNAVAILABLE + ": "
                        + WireErrors.of(failure).getMessage()).asRuntimeException());
                return;
            }
            complete(out, () -> read.apply(applied.image()));
        });
    }

    @Override
    public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> out) {
        Optional<QuorumVoter> leader = cluster.leader();
        boolean forwardToLeader = !cluster.isLeaderReady() && !LeaderForwarding.isForwardedCall()
                && leader.isPresent() && leader.get().id() != nodeId;
        if (!forwardToLeader) {
            describeClusterLocally(request, out);
            return;
        }
        forwarding.stub(leader.get(), forwardDeadlineMs).describeCluster(request, new StreamObserver<>() {
            private DescribeClusterResponse response;

            @Override
            public void onNext(DescribeClusterResponse value) {
                response = value;
            }

            @Override
            public void onError(Throwable failure) {
                LOG.debug("Forwarding DescribeCluster to controller {} failed; answering locally: {}",
                        leader.get().id(), failure.toString());
                describeClusterLocally(request, out);
            }

            @Override
            public void onCompleted() {
                out.onNext(response);
                out.onCompleted();
            }
        });
    }

    /**
     * Controllers as probed now (none for {@code brokers_only}); brokers from the local image after
     * a read barrier, with heartbeat ages when this controller is active (-1 otherwise). Without a
     * quorum the brokers are left out and metadata_offset is -1, since the local image might be stale.
     */
    private void describeClusterLocally(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> out) {
        CompletableFuture<List<ControllerInfo>> controllers = request.getBrokersOnly()
                ? CompletableFuture.completedFuture(List.of()) : cluster.describeControllers();
        CompletableFuture<Boolean> fresh = quorum.awaitLinearizableRead().handle((ignored, failure) -> failure == null);
        controllers.thenCombine(fresh, (infos, isFresh) -> {
            DescribeClusterResponse.Builder response = DescribeClusterResponse.newBuilder()
                    .addAllControllers(infos)
                    .setLeaderId(cluster.leader().map(QuorumVoter::id).orElse(-1))
                    .setMetadataOffset(-1);
            if (isFresh) {
                MetadataImage image = applied.image();
                Optional<LeaderDuties> active = duties.get();
                response.setMetadataOffset(image.offset());
                for (BrokerRegistration broker : image.brokers().values()) {
                    long msSince = active.map(d -> d.msSinceHeartbeat(broker.id())).orElse(-1L);
                    response.addBrokers(MetadataViews.toBrokerInfo(broker, msSince));
                }
            }
            return response.build();
        }).whenComplete((response, failure) -> {
            if (failure != null) {
                LOG.error("DescribeCluster failed on controller {}", nodeId, failure);
                out.onError(Status.INTERNAL.withDescription("DescribeCluster failed: " + failure).asRuntimeException());
            } else {
                out.onNext(response);
                out.onCompleted();
            }
        });
    }

    // ---------------------------------------------------------------- broker lifecycle

    @Override
    public void brokerHeartbeat(BrokerHeartbeatRequest request, StreamObserver<BrokerHeartbeatResponse> out) {
        Optional<LeaderDuties> active = duties.get();
        if (active.isEmpty()) {
            complete(out, () -> BrokerHeartbeatResponse.newBuilder()
                    .setError(WireErrors.notController(nodeId, cluster.leader().filter(voter -> voter.id() != nodeId)))
                    .setFenced(true)
                    .build());
            return;
        }
        complete(out, () -> {
            LeaderDuties.HeartbeatVerdict verdict = active.get().heartbeat(request.getBrokerId(),
                    request.getBrokerEpoch(), request.getMetadataOffset(), request.getWantFence());
            BrokerHeartbeatResponse.Builder response = BrokerHeartbeatResponse.newBuilder()
                    .setError(WireErrors.none())
                    .setFenced(verdict != LeaderDuties.HeartbeatVerdict.ACTIVE)
                    .setLeaderMetadataOffset(applied.image().offset());
            if (verdict == LeaderDuties.HeartbeatVerdict.STALE_EPOCH) {
                response.setError(WireErrors.of(ErrorCode.STALE_BROKER_EPOCH, staleEpochMessage(request)));
            }
            return response.build();
        });
    }

    private String staleEpochMessage(BrokerHeartbeatRequest request) {
        BrokerRegistration current = applied.image().brokers().get(request.getBrokerId());
        String known = current == null ? "is not registered"
                : "is registered with epoch " + current.epoch();
        return "broker " + request.getBrokerId() + " heartbeated with epoch " + request.getBrokerEpoch()
                + " but " + known + "; register again";
    }

    // ---------------------------------------------------------------- metadata stream

    @Override
    public void watchMetadata(WatchMetadataRequest request, StreamObserver<WatchMetadataResponse> out) {
        if (request.getFromOffset() < -1) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("from_offset " + request.getFromOffset()
                    + " is invalid; use -1 (no metadata yet) or the offset of the last batch applied").asRuntimeException());
            return;
        }
        String who = request.getBrokerId() >= 0 ? "broker " + request.getBrokerId() : "a tool";
        MetadataWatcher watcher = new MetadataWatcher((ServerCallStreamObserver<WatchMetadataResponse>) out, workers,
                watchMaxPending, who + " on controller " + nodeId);
        watcher.onDone(() -> applied.unwatch(watcher));
        applied.watch(request.getFromOffset(), watcher);
        LOG.debug("Controller {}: {} watches metadata from offset {}", nodeId, who, request.getFromOffset());
    }

    // ---------------------------------------------------------------- plumbing

    private static <T, R> void answer(StreamObserver<R> out, CompletableFuture<T> future, Function<T, R> onSuccess,
            Function<Throwable, R> onFailure) {
        future.whenComplete((value, failure) -> complete(out,
                () -> failure == null ? onSuccess.apply(value) : onFailure.apply(failure)));
    }

    private static <R> void complete(StreamObserver<R> out, Supplier<R> response) {
        R value;
        try {
            value = response.get();
        } catch (RuntimeException e) {
            LOG.error("Controller request failed", e);
            out.onError(Status.INTERNAL.withDescription("the controller failed to answer: " + e).asRuntimeException());
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }
}
