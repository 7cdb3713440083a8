package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wharf.broker.partition.Partition;
import io.wharf.controller.ControllerConfig;
import io.wharf.controller.ControllerNode;
import io.wharf.controller.FreePorts;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.FetchPartition;
import io.wharf.proto.broker.FetchPartitionResult;
import io.wharf.proto.broker.FetchRequest;
import io.wharf.proto.broker.ProducePartition;
import io.wharf.proto.broker.ProducePartitionResult;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.CreateTopicsRequest;
import io.wharf.proto.controller.CreateTopicsResponse;
import io.wharf.proto.metadata.TopicSpec;
import io.wharf.record.CompressionType;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.record.RecordBatches;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogFileChannels;
import io.wharf.replication.log.LogSlice;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Three {@link ControllerNode}s and the {@link BrokerNode}s a test starts against them, all in this
 * JVM on free loopback ports under one directory: for broker tests that need real replication
 * between real nodes. Single-threaded (the test's thread); owns every node and channel it made and
 * closes them in {@link #close}.
 */
final class InProcessCluster implements AutoCloseable {

    private final Path dir;
    private final List<ControllerNode> controllers = new ArrayList<>();
    private final Map<Integer, BrokerNode> brokers = new HashMap<>();
    private final Map<Integer, ManagedChannel> channels = new HashMap<>();
    private String bootstrap;

    InProcessCluster(Path dir) {
        this.dir = dir;
    }

    /** Starts three controllers with {@code overrides} on top of the test defaults. */
    void startControllers(Map<String, String> overrides) throws Exception {
        StringBuilder voters = new StringBuilder();
        StringBuilder endpoints = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            int rpc = FreePorts.one();
            int raft = FreePorts.one();
            voters.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(rpc).append(':').append(raft);
            endpoints.append(i == 0 ? "" : ",").append("127.0.0.1:").append(rpc);
        }
        bootstrap = endpoints.toString();
        for (int id = 1; id <= 3; id++) {
            Map<String, String> config = new HashMap<>(overrides);
            config.put(ControllerConfig.NODE_ID, Integer.toString(id));
            config.put(ControllerConfig.QUORUM_VOTERS, voters.toString());
            config.put(ControllerConfig.DATA_DIR, dir.resolve("controller-" + id).toString());
            ControllerNode controller = new ControllerNode(ControllerConfig.fromMap(config));
            controllers.add(controller);
            controller.start();
        }
    }

    /** host:port,... of the controllers, once they are started. */
    String bootstrap() {
        return bootstrap;
    }

    /** Starts broker {@code id} (again, after {@link #stopBroker}) with {@code overrides} on top of the test defaults. */
    BrokerNode startBroker(int id, Map<String, String> overrides) throws Exception {
        return startBroker(id, overrides, LogFileChannels.DEFAULT);
    }

    /** As {@link #startBroker(int, Map)}, opening its segment files through {@code logFiles}. */
    BrokerNode startBroker(int id, Map<String, String> overrides, LogFileChannels logFiles) throws Exception {
        Map<String, String> config = new HashMap<>(BrokerNodeTest.testConfig(id, bootstrap, dir));
        config.putAll(overrides);
        BrokerNode broker = new BrokerNode(BrokerConfig.from(config), logFiles);
        dropChannel(id);
        brokers.put(id, broker);
        broker.start();
        return broker;
    }

    /**
     * Starts each of brokers 1 to {@code count} that is not running (never started, or stopped by
     * a test) with {@code overrides}; returns once every running broker is active. Test classes
     * that share one cluster call it before each test.
     */
    void startMissingBrokers(int count, Map<String, String> overrides) throws Exception {
        for (int id = 1; id <= count; id++) {
            if (!brokers.containsKey(id)) {
                startBroker(id, overrides);
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> brokers.values().stream().allMatch(BrokerNode::isActive));
    }

    /** Closes broker {@code id} (a clean stop). */
    void stopBroker(int id) {
        dropChannel(id);
        brokers.remove(id).close();
    }

    /** The running brokers by id. */
    Map<Integer, BrokerNode> brokers() {
        return Collections.unmodifiableMap(brokers);
    }

    /** Creates a one-partition topic, RF 3, min.insync.replicas 2 unless {@code configs} say otherwise. */
    void createTopic(String name, Map<String, String> configs) throws ControllerUnavailableException {
        createTopic(name, 1, configs);
    }

    /** Creates a topic of {@code partitions}, RF 3, min.insync.replicas 2 unless {@code configs} say otherwise. */
    void createTopic(String name, int partitions, Map<String, String> configs) throws ControllerUnavailableException {
        ControllerChannels admin = new ControllerChannels(HostPort.parseList(bootstrap),
                ControllerChannels.nettyChannels(), Duration.ofSeconds(5));
        try {
            CreateTopicsResponse response = admin.call(ControllerChannels.Target.ANY, stub -> stub.createTopics(
                    CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName(name).setPartitions(partitions)
                            .setReplicationFactor(3).putConfigs("min.insync.replicas", "2").putAllConfigs(configs))
                            .build()), r -> r.getResults(0).getError());
            assertEquals(ErrorCode.NONE, response.getResults(0).getError().getCode(), response.toString());
        } finally {
            admin.close();
        }
    }

    /** Calls the controllers (any of them) once, with their retries and redirects; closes its channels after. */
    <R> R controllers(ControllerChannels.Rpc<R> rpc, java.util.function.Function<R, io.wharf.proto.common.Error> errorOf)
            throws ControllerUnavailableException {
        ControllerChannels admin = new ControllerChannels(HostPort.parseList(bootstrap),
                ControllerChannels.nettyChannels(), Duration.ofSeconds(5));
        try {
            return admin.call(ControllerChannels.Target.ANY, rpc, errorOf);
        } finally {
            admin.close();
        }
    }

    /** The channel to broker {@code brokerId}, for async and streaming stubs; closed with the cluster. */
    ManagedChannel channel(int brokerId) {
        return channels.computeIfAbsent(brokerId, id -> NettyChannelBuilder
                .forAddress("127.0.0.1", brokers.get(id).rpcPort()).usePlaintext().build());
    }

    /** Broker {@code brokerId}'s replica of {@code tp}, empty when it is not running or hosts none. */
    Optional<Partition> replica(int brokerId, TopicPartition tp) {
        BrokerNode broker = brokers.get(brokerId);
        return broker == null ? Optional.empty() : broker.partitions().partition(tp);
    }

    /** The broker the metadata names leader of {@code tp}, once that broker has taken leadership. */
    int awaitLeader(TopicPartition tp) {
        int[] found = new int[1];
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            for (BrokerNode broker : brokers.values()) {
                Optional<PartitionState> state = broker.metadataImage().topic(tp.topic())
                        .flatMap(t -> t.partition(tp.partition()));
                if (state.isPresent() && state.get().leader() == broker.nodeId()
                        && replica(broker.nodeId(), tp).map(Partition::isLeader).orElse(false)) {
                    found[0] = broker.nodeId();
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** A blocking BrokerService stub for broker {@code brokerId} with a generous deadline. */
    BrokerServiceGrpc.BrokerServiceBlockingStub stub(int brokerId) {
        return BrokerServiceGrpc.newBlockingStub(channel(brokerId)).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /**
     * Produces {@code count} single-record batches ({@code prefix-i}) to {@code tp} on broker
     * {@code leader} with acks=all, each of which must succeed; returns the acknowledged values.
     */
    List<String> produceAll(int leader, TopicPartition tp, String prefix, int count) {
        BrokerServiceGrpc.BrokerServiceBlockingStub stub = stub(leader);
        List<String> acked = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String value = prefix + "-" + i;
            ProducePartitionResult result = stub.produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000)
                    .addPartitions(ProducePartition.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                            .setRecords(ByteString.copyFrom(new RecordBatchBuilder(CompressionType.NONE)
                                    .append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8))
                                    .build()))).build()).getPartitions(0);
            assertEquals(ErrorCode.NONE, result.getError().getCode(), result.getError().toString());
            acked.add(value);
        }
        return acked;
    }

    /** Every record value of {@code tp} below the high watermark, read from broker {@code leader} in offset order. */
    List<String> consumeAll(int leader, TopicPartition tp) {
        BrokerServiceGrpc.BrokerServiceBlockingStub stub = stub(leader);
        List<String> values = new ArrayList<>();
        long offset = 0;
        while (true) {
            FetchPartitionResult result = stub.fetch(FetchRequest.newBuilder().addPartitions(FetchPartition.newBuilder()
                    .setTopic(tp.topic()).setPartition(tp.partition()).setFetchOffset(offset)
                    .setCurrentLeaderEpoch(-1)).build()).getPartitions(0);
            assertEquals(ErrorCode.NONE, result.getError().getCode(), result.getError().toString());
            if (result.getRecords().isEmpty()) {
                return values;
            }
            for (RecordBatch batch : RecordBatches.validateAll(result.getRecords().asReadOnlyByteBuffer())) {
                for (Record record : batch.records()) {
                    if (record.offset() >= offset) {
                        values.add(new String(record.value(), StandardCharsets.UTF_8));
                    }
                }
                offset = batch.nextOffset();
            }
        }
    }

    /** Every running replica of {@code tp} reaches the leader's end and HW, and the logs match byte for byte below it. */
    void awaitIdenticalReplicas(TopicPartition tp, int leader) {
        Partition lead = replica(leader, tp).orElseThrow();
        await().atMost(Duration.ofSeconds(20)).until(() -> brokers.keySet().stream().allMatch(id -> replica(id, tp)
                .map(p -> p.log().logEndOffset() == lead.log().logEndOffset()
                        && p.highWatermark() == lead.highWatermark())
                .orElse(false)));
        long hw = lead.highWatermark();
        byte[] expected = bytesBelow(lead.log(), hw);
        for (int id : brokers.keySet()) {
            assertArrayEquals(expected, bytesBelow(replica(id, tp).orElseThrow().log(), hw),
                    tp + " on broker " + id + " up to " + hw);
        }
    }

    private static byte[] bytesBelow(Log log, long end) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long offset = log.logStartOffset();
        while (offset < end) {
            LogSlice slice = log.read(offset, 1 << 20, end);
            if (slice.isEmpty()) {
                break;
            }
            out.writeBytes(slice.toByteBuffer().array());
            offset = slice.nextOffset();
        }
        return out.toByteArray();
    }

    private void dropChannel(int brokerId) {
        ManagedChannel channel = channels.remove(brokerId);
        if (channel != null) {
            channel.shutdownNow();
        }
    }

    @Override
    public void close() throws InterruptedException {
        channels.values().forEach(ManagedChannel::shutdownNow);
        brokers.values().forEach(BrokerNode::close);
        // Bound each controller's close, so one stuck close cannot hang the suite.
        List<Thread> closers = new ArrayList<>();
        for (ControllerNode controller : controllers) {
            Thread closer = new Thread(controller::close, "close-" + controller);
            closer.setDaemon(true);
            closer.start();
            closers.add(closer);
        }
        for (Thread closer : closers) {
            closer.join(TimeUnit.SECONDS.toMillis(15));
        }
    }
}
