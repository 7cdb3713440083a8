package io.wharf.client.fake;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.wharf.client.Endpoint;
import io.wharf.proto.broker.ConsumeResponse;
import io.wharf.proto.broker.Deliveries;
import io.wharf.proto.broker.Delivery;
import io.wharf.proto.broker.PublishRequest;
import io.wharf.proto.broker.Settled;
import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.ExchangeInfo;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.QueueInfo;
import io.wharf.proto.queue.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Exchanges, queues and bindings for client tests: brokers ({@link FakeQueueBroker}) and one
 * controller ({@link FakeQueueController}) over in-process gRPC or Netty on 127.0.0.1, sharing
 * one in-memory state. Each queue has a leader broker; others answer NOT_LEADER naming it.
 * Message ids (delivery tags) start at 1000 and step by 3, as log offsets would with other
 * entries between. The test scripts publish fates, moves leaders and breaks streams.
 * Thread-safe: one monitor guards the state and every server stream write.
 */
public final class FakeQueueCluster implements AutoCloseable {

    /** What a broker does with the next publish (see {@link #scriptPublishes}). */
    public enum PublishFate {
        /** Routed, stored and confirmed. */
        CONFIRM,
        /** Stored, then the stream fails UNAVAILABLE before the confirm (as a broker dying). */
        STORE_THEN_BREAK,
        /** Not stored; the stream fails UNAVAILABLE (the connection dropped first). */
        BREAK,
        /** Stored, never confirmed (a confirm held up by a slow replica). */
        SILENT
    }

    private final Map<Integer, Endpoint> brokers = new LinkedHashMap<>();
    private final List<Server> servers = new ArrayList<>();
    private Endpoint controller;
    final Map<String, ExchangeInfo> exchanges = new TreeMap<>();
    final Map<String, FakeQueue> queues = new TreeMap<>();
    final List<BindingInfo> bindings = new ArrayList<>();
    /** Every publish request a broker received, with the broker's id, in arrival order. */
    final List<Received> publishes = new ArrayList<>();
    final Queue<Object> publishScript = new ArrayDeque<>();
    /** Brokers whose metadata is behind: they nack every publish NOT_LEADER, naming no leader. */
    final Set<Integer> behind = new HashSet<>();
    final List<Long> acked = new ArrayList<>();
    /** How many publishes each Publish stream message carried, in arrival order. */
    final List<Integer> publishBatchSizes = new ArrayList<>();
    /** Ack requests received (one may ack several tags). */
    int ackRequests;
    int consumerCount;

    /** A publish as a broker received it. */
    public record Received(int broker, PublishRequest request) {
    }

    private FakeQueueCluster() {
        for (String name : List.of("", "amq.direct")) {
            exchanges.put(name, ExchangeInfo.newBuilder().setName(name).setType(ExchangeType.DIRECT).setBuiltin(true)
                    .build());
        }
        exchanges.put("amq.fanout", ExchangeInfo.newBuilder().setName("amq.fanout").setType(ExchangeType.FANOUT)
                .setBuiltin(true).build());
    }

    /** {@code count} in-process brokers and a controller. */
    public static FakeQueueCluster inProcess(int count) {
        FakeQueueCluster cluster = new FakeQueueCluster();
        String prefix = "fake-queue-" + System.identityHashCode(cluster);
        try {
            for (int id = 1; id <= count; id++) {
                cluster.servers.add(InProcessServerBuilder.forName(prefix + "-broker-" + id)
                        .addService(new FakeQueueBroker(cluster, id)).build().start());
                cluster.brokers.put(id, new Endpoint(prefix + "-broker-" + id, 1));
            }
            cluster.servers.add(InProcessServerBuilder.forName(prefix + "-controller")
                    .addService(new FakeQueueController(cluster)).build().start());
            cluster.controller = new Endpoint(prefix + "-controller", 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cluster;
    }

    /** {@code count} brokers and a controller listening on 127.0.0.1 (for the CLI). */
    public static FakeQueueCluster network(int count) {
        FakeQueueCluster cluster = new FakeQueueCluster();
        try {
            for (int id = 1; id <= count; id++) {
                Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                        .addService(new FakeQueueBroker(cluster, id)).build().start();
                cluster.servers.add(server);
                cluster.brokers.put(id, new Endpoint("127.0.0.1", server.getPort()));
            }
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(new FakeQueueController(cluster)).build().start();
            cluster.servers.add(server);
            cluster.controller = new Endpoint("127.0.0.1", server.getPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cluster;
    }

    /** In-process channels: the endpoint's host is the server name. */
    public Function<Endpoint, ManagedChannel> channels() {
        return endpoint -> InProcessChannelBuilder.forName(endpoint.host()).directExecutor().build();
    }

    public List<Endpoint> bootstrap() {
        return List.copyOf(brokers.values());
    }

    public String bootstrapString() {
        return String.join(",", brokers.values().stream().map(Endpoint::toString).toList());
    }

    public Endpoint controller() {
        return controller;
    }

    public Map<Integer, Endpoint> brokers() {
        return brokers;
    }

    /** Declares {@code name} led by broker {@code leader}, as the controller would. */
    public synchronized void declareQueue(String name, int leader) {
        declareQueue(name, leader, Map.of());
    }

    /** A queue led by broker {@code leader}, declared with {@code arguments} (kept, not acted on). */
    public synchronized void declareQueue(String name, int leader, Map<String, String> arguments) {
        queues.put(name, new FakeQueue(name, leader, arguments));
    }

    /** The next publishes meet these fates in turn: a {@link PublishFate}, or an ErrorCode to nack with (nothing stored). */
    public synchronized void scriptPublishes(Object... fates) {
        publishScript.addAll(List.of(fates));
    }

    /** Every publish received so far, retries included. */
    public synchronized List<Received> publishes() {
        return List.copyOf(publishes);
    }

    /** The bodies of the ready messages of {@code queue}, in id order. */
    public synchronized List<String> readyBodies(String queue) {
        return queues.get(queue).ready.values().stream().map(m -> m.message.getBody().toStringUtf8()).toList();
    }

    /** Messages of {@code queue} delivered and not settled. */
    public synchronized int unacked(String queue) {
        return queues.get(queue).held.size();
    }

    /** How many publishes each Publish stream message carried, in arrival order. */
    public synchronized List<Integer> publishBatchSizes() {
        return List.copyOf(publishBatchSizes);
    }

    /** Ack requests received so far (one may ack several tags). */
    public synchronized int ackRequests() {
        return ackRequests;
    }

    /** Tags acked so far, over every queue, in order. */
    public synchronized List<Long> acked() {
        return List.copyOf(acked);
    }

    /** Consumers attached to {@code queue} now. */
    public synchronized int consumers(String queue) {
        FakeQueue q = queues.get(queue);
        return q == null ? 0 : q.consumers.size();
    }

    /** Subscribes accepted so far, over every queue. */
    public synchronized int subscribes() {
        return consumerCount;
    }

    /** Adds a message to {@code queue} as if published. */
    public synchronized void enqueue(String queue, String body) {
        enqueue(queue, Message.newBuilder().setBody(com.google.protobuf.ByteString.copyFromUtf8(body)).build());
    }

    /** Adds {@code message} (headers, x-death and all) to {@code queue}, as a dead-letter exchange would store it. */
    public synchronized void enqueue(String queue, Message message) {
        FakeQueue q = queues.get(queue);
        q.store(message);
        pump(q);
    }

    /**
     * Moves the queue's leadership to {@code broker}: the old leader's consumers are closed with
     * NOT_LEADER naming it, and what they held goes back to the queue, to be redelivered.
     */
    public synchronized void moveQueueLeader(String queue, int broker) {
        FakeQueue q = queues.get(queue);
        q.leader = broker;
        for (FakeConsumer consumer : List.copyOf(q.consumers)) {
            close(consumer, notLeader(broker, "leadership of queue '" + queue + "' moved to broker " + broker));
        }
    }

    /** Ends the queue's consumers with {@code code} (NOT_FOUND, UNKNOWN_DELIVERY_TAG, ...). */
    public synchronized void closeConsumers(String queue, ErrorCode code, String message) {
        FakeQueue q = queues.get(queue);
        for (FakeConsumer consumer : List.copyOf(q.consumers)) {
            close(consumer, Error.newBuilder().setCode(code).setMessage(message).setLeaderId(-1).build());
        }
    }

    /** Ends the queue's consume streams with UNAVAILABLE (a broken connection), without a Closed. */
    public synchronized void breakConsumeStreams(String queue) {
        FakeQueue q = queues.get(queue);
        for (FakeConsumer consumer : List.copyOf(q.consumers)) {
            gone(consumer);
            consumer.stream.onError(io.grpc.Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException());
        }
    }

    /**
     * Broker {@code id} from now on answers every publish as a broker that has not caught up with
     * the cluster's metadata since it started: NOT_LEADER, naming no leader, nothing stored.
     */
    public synchronized void fallBehind(int id) {
        behind.add(id);
    }

    /** Kills broker {@code id}: its server shuts down at once, failing its open streams. */
    public void stopBroker(int id) {
        servers.get(id - 1).shutdownNow();
    }

    /**
     * The queue's leader dies and {@code broker} takes over: the old leader's consumers are gone
     * (what they held goes back, to be redelivered) and its server stops without a Closed.
     */
    public void failOver(String queue, int broker) {
        int old;
        synchronized (this) {
            FakeQueue q = queues.get(queue);
            old = q.leader;
            q.leader = broker;
            List.copyOf(q.consumers).forEach(this::gone);
        }
        stopBroker(old);
    }

    Error notLeader(int leader, String message) {
        return Error.newBuilder().setCode(ErrorCode.NOT_LEADER).setMessage(message).setLeaderId(leader)
                .setLeaderEndpoint(brokers.get(leader).toString()).build();
    }

    QueueInfo info(FakeQueue q) {
        return QueueInfo.newBuilder().setName(q.name).setQueueId("q-" + q.name).putAllArguments(q.arguments)
                .setTopic("__queue." + q.name).setPartition(PartitionInfo.newBuilder().setPartition(0)
                        .setLeader(q.leader).addReplicas(q.leader).addIsr(q.leader)).build();
    }

    /** The queues {@code exchange} routes {@code routingKey} to. Caller holds the lock. */
    List<FakeQueue> route(String exchange, String routingKey) {
        if (exchange.isEmpty()) {
            FakeQueue q = queues.get(routingKey);
            return q == null ? List.of() : List.of(q);
        }
        ExchangeType type = exchanges.get(exchange).getType();
        Set<FakeQueue> routed = new java.util.LinkedHashSet<>();
        for (BindingInfo binding : bindings) {
            if (binding.getSource().equals(exchange) && queues.containsKey(binding.getDestination())
                    && (type == ExchangeType.FANOUT || binding.getRoutingKey().equals(routingKey))) {
                routed.add(queues.get(binding.getDestination()));
            }
        }
        return List.copyOf(routed);
    }

    /** Pushes ready messages to the queue's consumers within their prefetch. Caller holds the lock. */
    void pump(FakeQueue q) {
        // one batch per consumer, as the broker sends what one turn delivers
        Map<FakeConsumer, Deliveries.Builder> batches = new java.util.LinkedHashMap<>();
        boolean progress = true;
        while (progress && !q.ready.isEmpty()) {
            progress = false;
            for (FakeConsumer consumer : q.consumers) {
                if (q.ready.isEmpty()) {
                    break;
                }
                if (consumer.prefetch > 0 && consumer.held.size() >= consumer.prefetch) {
                    continue;
                }
                Map.Entry<Long, FakeQueue.Stored> next = q.ready.pollFirstEntry();
                FakeQueue.Stored stored = next.getValue();
                batches.computeIfAbsent(consumer, c -> Deliveries.newBuilder()).addDeliveries(Delivery.newBuilder()
                        .setDeliveryTag(next.getKey()).setRedelivered(stored.redelivered)
                        .setDeliveryCount(stored.deliveryCount).setMessage(stored.message).setQueue(q.name));
                stored.redelivered = true;
                if (!consumer.noAck) {
                    consumer.held.add(next.getKey());
                    q.held.put(next.getKey(), stored);
                }
                progress = true;
            }
        }
        batches.forEach((consumer, deliveries) -> consumer.stream.onNext(ConsumeResponse.newBuilder()
                .setDeliveries(deliveries).build()));
    }

    /** Settles {@code tags} of {@code consumer}; caller holds the lock. */
    void settle(FakeConsumer consumer, List<Long> tags, boolean ack, boolean requeue) {
        FakeQueue q = consumer.queue;
        for (long tag : tags) {
            consumer.held.remove(tag);
            FakeQueue.Stored stored = q.held.remove(tag);
            if (ack) {
                acked.add(tag);
            } else if (requeue && stored != null) {
                q.ready.put(tag, stored);
            }
        }
        consumer.stream.onNext(ConsumeResponse.newBuilder().setSettled(Settled.newBuilder().addAllDeliveryTags(tags))
                .build());
        pump(q);
    }

    /** Closes a consumer's stream with {@code error}; what it held goes back. Caller holds the lock. */
    void close(FakeConsumer consumer, Error error) {
        gone(consumer);
        consumer.stream.onNext(ConsumeResponse.newBuilder().setClosed(error).build());
        consumer.stream.onCompleted();
    }

    /** Detaches a consumer; what it held goes back to the queue as redelivered. Caller holds the lock. */
    void gone(FakeConsumer consumer) {
        FakeQueue q = consumer.queue;
        if (!q.consumers.remove(consumer)) {
            return;
        }
        for (long tag : consumer.held) {
            FakeQueue.Stored stored = q.held.remove(tag);
            if (stored != null) {
                q.ready.put(tag, stored);
            }
        }
        consumer.held.clear();
        pump(q);
    }

    @Override
    public void close() {
        servers.forEach(Server::shutdownNow);
    }

    /** A queue: ready messages by id, held ones, consumers, and the publishes it stored. */
    static final class FakeQueue {
        final String name;
        int leader;
        final Map<String, String> arguments;
        final TreeMap<Long, Stored> ready = new TreeMap<>();
        final Map<Long, Stored> held = new LinkedHashMap<>();
        final List<FakeConsumer> consumers = new ArrayList<>();
        final Set<String> publishedSequences = new HashSet<>();
        long nextId = 1000;

        FakeQueue(String name, int leader, Map<String, String> arguments) {
            this.name = name;
            this.leader = leader;
            this.arguments = Map.copyOf(arguments);
        }

        void store(Message message) {
            ready.put(nextId, new Stored(message));
            nextId += 3;
        }

        /** A stored message and how it was delivered so far. */
        static final class Stored {
            final Message message;
            boolean redelivered;
            int deliveryCount;

            Stored(Message message) {
                this.message = message;
            }
        }
    }

    /** A consumer attached to its queue's leader. */
    static final class FakeConsumer {
        final FakeQueue queue;
        final ServerCallStreamObserver<ConsumeResponse> stream;
        final String tag;
        int prefetch;
        final boolean noAck;
        final boolean exclusive;
        final TreeSet<Long> held = new TreeSet<>();

        FakeConsumer(FakeQueue queue, ServerCallStreamObserver<ConsumeResponse> stream, String tag, int prefetch,
                     boolean noAck, boolean exclusive) {
            this.queue = queue;
            this.stream = stream;
            this.tag = tag;
            this.prefetch = prefetch;
            this.noAck = noAck;
            this.exclusive = exclusive;
        }
    }
}
