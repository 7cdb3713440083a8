package io.wharf.client.fake;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.proto.common.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.function.Function;

/**
 * Brokers for client tests: each a {@link FakeBrokerService} over in-process gRPC (host
 * {@code fake-broker-N}, port 1) or over Netty on 127.0.0.1, sharing one set of partition logs.
 * The test decides which broker leads each partition, what DescribeMetadata claims, where the
 * high watermark stands and which requests fail. Thread-safe (one monitor; fetches long-poll on it).
 */
public final class FakeCluster implements AutoCloseable {

    /** What a broker does with a Produce request for a partition scripted with {@link #scriptProduces}. */
    public enum ProduceFate {
        /** Carried out and answered. */
        ANSWER,
        /** Refused with NOT_LEADER naming the same broker (as one taking over leadership does); nothing written. */
        NOT_LEADER,
        /** Never carried out: the call fails UNAVAILABLE, as when the connection drops before the broker reads it. */
        DROP,
        /** Carried out, but the call fails UNAVAILABLE, as when the broker dies before answering. */
        LOSE_ANSWER
    }

    private final Map<Integer, Endpoint> endpoints = new LinkedHashMap<>();
    private final List<Server> servers = new ArrayList<>();
    final Map<String, Integer> topics = new LinkedHashMap<>();
    final Map<TopicPartition, FakePartitionLog> logs = new HashMap<>();
    final Map<TopicPartition, Integer> leaders = new HashMap<>();
    final Map<TopicPartition, Integer> advertisedLeaders = new HashMap<>();
    final Map<TopicPartition, Queue<ErrorCode>> produceErrors = new HashMap<>();
    final Queue<Status> produceTransportFailures = new ArrayDeque<>();
    final Map<TopicPartition, Queue<ProduceFate>> produceFates = new HashMap<>();
    final List<Integer> produceRequestPartitionCounts = new ArrayList<>();
    int maxConcurrentProduces;
    int concurrentProduces;
    final Map<TopicPartition, Integer> concurrentPartitionProduces = new HashMap<>();
    final Map<TopicPartition, Integer> maxConcurrentPartitionProduces = new HashMap<>();
    final Map<TopicPartition, List<ErrorCode>> produceAnswers = new HashMap<>();
    final Map<TopicPartition, Integer> duplicateBatches = new HashMap<>();
    boolean holdProduceAnswers;
    final Map<TopicPartition, Integer> producesArrived = new HashMap<>();
    final Map<TopicPartition, java.util.Set<Integer>> releasedAnswers = new HashMap<>();
    final Map<TopicPartition, Integer> produceAnswersSent = new HashMap<>();
    boolean holdHighWatermark;
    long nextProducerId = 1000;
    int lostProduceResponses;
    int initProducerIdCalls;
    final java.util.Set<Integer> stopped = new java.util.HashSet<>();
    /** Successful appends whose answer was lost because their produce stream had ended meanwhile. */
    final Map<TopicPartition, Integer> appendsAnsweredOnEndedStream = new HashMap<>();
    final FakeGroupCoordinator groups = new FakeGroupCoordinator();
    /** Compacted topics and the dirty ratio DescribeLogs shows for each of their partitions. */
    final Map<String, Double> dirtyRatios = new HashMap<>();
    int describeLogsRequests;
    /** Runs the requests of produce streams, each on its own thread (see FakeBrokerService#produceStream). */
    final java.util.concurrent.ExecutorService produceThreads = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "fake-produce");
        thread.setDaemon(true);
        return thread;
    });

    private FakeCluster() {
    }

    /** {@code brokers} in-process brokers. */
    public static FakeCluster inProcess(int brokers) {
        FakeCluster cluster = new FakeCluster();
        for (int id = 1; id <= brokers; id++) {
            String name = "fake-broker-" + id + "-" + System.identityHashCode(cluster);
            try {
                cluster.servers.add(InProcessServerBuilder.forName(name).addService(new FakeBrokerService(cluster, id))
                        .build().start());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            cluster.endpoints.put(id, new Endpoint(name, 1));
        }
        return cluster;
    }

    /** {@code brokers} brokers listening on 127.0.0.1 (for the CLI, which dials real addresses). */
    public static FakeCluster network(int brokers) {
        FakeCluster cluster = new FakeCluster();
        for (int id = 1; id <= brokers; id++) {
            try {
                Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                        .addService(new FakeBrokerService(cluster, id)).build().start();
                cluster.servers.add(server);
                cluster.endpoints.put(id, new Endpoint("127.0.0.1", server.getPort()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return cluster;
    }

    /** In-process channels: the endpoint's host is the server name. */
    public Function<Endpoint, ManagedChannel> channels() {
        return endpoint -> InProcessChannelBuilder.forName(endpoint.host()).directExecutor().build();
    }

    public List<Endpoint> bootstrap() {
        return List.copyOf(endpoints.values());
    }

    public String bootstrapString() {
        return String.join(",", endpoints.values().stream().map(Endpoint::toString).toList());
    }

    public Map<Integer, Endpoint> endpoints() {
        return endpoints;
    }

    /**
     * Kills broker {@code id}: from now on its calls fail UNAVAILABLE without touching any log (a
     * dead process appends nothing), and its server shuts down.
     */
    public void stopBroker(int id) {
        synchronized (this) {
            stopped.add(id);
        }
        servers.get(id - 1).shutdownNow();
    }

    synchronized boolean isStopped(int id) {
        return stopped.contains(id);
    }

    /** Creates a topic whose partition p is led by broker {@code p % brokers + 1}. */
    public synchronized void createTopic(String name, int partitions) {
        topics.put(name, partitions);
        for (int p = 0; p < partitions; p++) {
            TopicPartition tp = new TopicPartition(name, p);
            logs.put(tp, new FakePartitionLog());
            leaders.put(tp, p % endpoints.size() + 1);
        }
    }

    /** From now on DescribeLogs shows {@code topic} as compacted, each partition with this dirty ratio. */
    public synchronized void compacted(String topic, double dirtyRatio) {
        dirtyRatios.put(topic, dirtyRatio);
    }

    /** DescribeLogs requests the brokers answered so far. */
    public synchronized int describeLogsRequests() {
        return describeLogsRequests;
    }

    /** Bytes of the batches stored for {@code tp}. */
    public synchronized long sizeInBytes(TopicPartition tp) {
        return logs.get(tp).sizeInBytes();
    }

    /** Moves leadership; DescribeMetadata keeps advertising the old leader until {@link #advertiseActualLeaders}. */
    public synchronized void moveLeader(TopicPartition tp, int broker, boolean advertise) {
        advertisedLeaders.putIfAbsent(tp, leaders.get(tp));
        leaders.put(tp, broker);
        if (advertise) {
            advertisedLeaders.remove(tp);
        }
        notifyAll();
    }

    public synchronized int leader(TopicPartition tp) {
        return leaders.get(tp);
    }

    /** The next produce requests for {@code tp} answer these errors, in turn (NONE: carried out as usual). */
    public synchronized void failNextProduces(TopicPartition tp, ErrorCode... codes) {
        Queue<ErrorCode> queue = produceErrors.computeIfAbsent(tp, k -> new ArrayDeque<>());
        queue.addAll(List.of(codes));
    }

    /**
     * The next Produce requests carrying {@code tp} meet these fates, in turn (a DROP or
     * LOSE_ANSWER fails the whole request).
     */
    public synchronized void scriptProduces(TopicPartition tp, ProduceFate... fates) {
        produceFates.computeIfAbsent(tp, k -> new ArrayDeque<>()).addAll(List.of(fates));
    }

    /**
     * With {@code hold}, Produce requests are carried out (or refused) on arrival, but every answer
     * waits until the hold is lifted: the client sees them all in flight at once.
     */
    public synchronized void holdProduceAnswers(boolean hold) {
        holdProduceAnswers = hold;
        notifyAll();
    }

    /**
     * While answers are held, lets the answers of these Produce requests carrying {@code tp} go,
     * named by their place in its arrival order (1 for the first request ever).
     */
    public synchronized void releaseProduceAnswers(TopicPartition tp, int... arrivals) {
        for (int arrival : arrivals) {
            releasedAnswers.computeIfAbsent(tp, k -> new java.util.HashSet<>()).add(arrival);
        }
        notifyAll();
    }

    /** Produce requests carrying {@code tp} that arrived so far. */
    public synchronized int producesArrived(TopicPartition tp) {
        return producesArrived.getOrDefault(tp, 0);
    }

    /** Answers (or failures) delivered to the client for Produce requests carrying {@code tp}. */
    public synchronized int produceAnswersSent(TopicPartition tp) {
        return produceAnswersSent.getOrDefault(tp, 0);
    }

    /** The next produce requests fail with these gRPC statuses (like a broker dying), in turn. */
    public synchronized void failNextProduceTransports(Status... statuses) {
        produceTransportFailures.addAll(List.of(statuses));
    }

    /**
     * The next {@code count} produce requests are carried out, but their answers are "lost": the
     * caller gets UNAVAILABLE as if the broker died after appending.
     */
    public synchronized void loseNextProduceResponses(int count) {
        lostProduceResponses += count;
    }

    /** InitProducerId calls answered so far. */
    public synchronized int initProducerIdCalls() {
        return initProducerIdCalls;
    }

    /** With {@code hold}, the high watermark stays where it is (acks=all waits; fetches see nothing new). */
    public synchronized void holdHighWatermark(boolean hold) {
        holdHighWatermark = hold;
        if (!hold) {
            logs.values().forEach(FakePartitionLog::advanceHighWatermarkToEnd);
        }
        notifyAll();
    }

    public synchronized void deleteRecordsBefore(TopicPartition tp, long offset) {
        logs.get(tp).logStartOffset = offset;
    }

    /** The stored batches of {@code tp} (producer ids and sequences as written). */
    public synchronized List<io.wharf.record.RecordBatch> batches(TopicPartition tp) {
        return List.copyOf(logs.get(tp).batches);
    }

    /** Every record of {@code tp} as decoded values, in offset order. */
    public synchronized List<io.wharf.record.Record> records(TopicPartition tp) {
        return logs.get(tp).records();
    }

    /** The most Produce requests any broker had open at once. */
    public synchronized int maxConcurrentProduces() {
        return maxConcurrentProduces;
    }

    /** The most Produce requests carrying {@code tp} that any broker had open at once. */
    public synchronized int maxConcurrentProduces(TopicPartition tp) {
        return maxConcurrentPartitionProduces.getOrDefault(tp, 0);
    }

    /**
     * What the leader decided for {@code tp} per Produce request, in the order decided: NONE for a
     * request carried out (even if its answer was then lost), else the error it answered.
     */
    public synchronized List<ErrorCode> produceAnswers(TopicPartition tp) {
        return List.copyOf(produceAnswers.getOrDefault(tp, List.of()));
    }

    /** Batches of {@code tp} the leader recognised as already written and answered with their first offsets. */
    public synchronized int duplicateBatches(TopicPartition tp) {
        return duplicateBatches.getOrDefault(tp, 0);
    }

    /** Batches of {@code tp} appended whose answer could not be sent because their stream had ended. */
    public synchronized int appendsAnsweredOnEndedStream(TopicPartition tp) {
        return appendsAnsweredOnEndedStream.getOrDefault(tp, 0);
    }

    /** Partitions per Produce request, in arrival order. */
    public synchronized List<Integer> produceRequestPartitionCounts() {
        return List.copyOf(produceRequestPartitionCounts);
    }

    /** Broker {@code id} coordinates every group from now on; the others answer NOT_COORDINATOR naming it. */
    public synchronized void groupCoordinator(int id) {
        groups.coordinatorId = id;
    }

    /** From now on FindCoordinator answers broker {@code id}, right or wrong (a stale answer). */
    public synchronized void misdirectFindCoordinator(int id) {
        groups.misdirectFindCoordinatorTo = id;
    }

    /** The next {@code answers} FindCoordinator calls answer COORDINATOR_NOT_AVAILABLE (the topic is being created). */
    public synchronized void coordinatorNotAvailableFor(int answers) {
        groups.coordinatorUnavailableAnswers = answers;
    }

    /** NOT_COORDINATOR answers given so far. */
    public synchronized int notCoordinatorAnswers() {
        return groups.notCoordinatorAnswers;
    }

    /** The heartbeat interval the coordinator tells members (default 50 ms). */
    public synchronized void groupHeartbeatInterval(int ms) {
        groups.heartbeatIntervalMs = ms;
    }

    /** The next heartbeats answer these errors, in turn; the member is removed as if its session had ended. */
    public synchronized void failNextHeartbeats(ErrorCode... codes) {
        groups.heartbeatErrors.addAll(List.of(codes));
    }

    /** The next OffsetCommit requests answer these request-wide errors, in turn. */
    public synchronized void failNextCommits(ErrorCode... codes) {
        groups.commitErrors.addAll(List.of(codes));
    }

    /**
     * Holds the next OffsetCommit (other requests go on) until the returned latch is counted down;
     * {@link #commitHeld()} tells when it is waiting.
     */
    public synchronized java.util.concurrent.CountDownLatch holdNextCommit() {
        groups.nextCommitGate = new java.util.concurrent.CountDownLatch(1);
        return groups.nextCommitGate;
    }

    /** True while an OffsetCommit held by {@link #holdNextCommit()} waits. */
    public synchronized boolean commitHeld() {
        return groups.commitHeld;
    }

    /** OffsetCommit requests carried out so far. */
    public synchronized int commitsCarriedOut() {
        return groups.commitsCarriedOut;
    }

    /** When each GroupHeartbeat of {@code group} arrived (System.nanoTime() in ms), in order. */
    public synchronized List<Long> heartbeatArrivalsMs(String group) {
        List<Long> arrivals = new ArrayList<>();
        for (int i = 0; i < groups.heartbeats.size(); i++) {
            if (groups.heartbeats.get(i).getGroupId().equals(group)) {
                arrivals.add(groups.heartbeatArrivalsMs.get(i));
            }
        }
        return arrivals;
    }

    /** From now on heartbeats with max_wait_ms are never answered: they stay open until the client cancels them. */
    public synchronized void neverAnswerHeldHeartbeats() {
        groups.neverAnswerHeldHeartbeats = true;
    }

    /** Held heartbeats left unanswered so far ({@link #neverAnswerHeldHeartbeats()}). */
    public synchronized int unansweredHeldHeartbeats() {
        return groups.unansweredHeldHeartbeats;
    }

    /** Every GroupHeartbeat request of {@code group} the coordinator received, in order. */
    public synchronized List<io.wharf.proto.broker.GroupHeartbeatRequest> heartbeats(String group) {
        return groups.heartbeats.stream().filter(h -> h.getGroupId().equals(group)).toList();
    }

    /** The group's committed offset of {@code tp}; null when none. */
    public synchronized Long committedOffset(String group, TopicPartition tp) {
        return groups.committed(group, tp);
    }

    /** Commits an offset as an admin would (creating the group). */
    public synchronized void commitOffset(String group, TopicPartition tp, long offset) {
        groups.commitAsAdmin(group, tp, offset);
    }

    public synchronized int groupMembers(String group) {
        return groups.members(group);
    }

    public synchronized boolean groupExists(String group) {
        return groups.exists(group);
    }

    @Override
    public void close() {
        servers.forEach(Server::shutdownNow);
        produceThreads.shutdownNow();
    }
}
