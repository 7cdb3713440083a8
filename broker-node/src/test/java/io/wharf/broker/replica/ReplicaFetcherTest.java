package io.wharf.broker.replica;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.wharf.broker.HostPort;
import io.wharf.broker.MetadataScript;
import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.CleanerSettings;
import io.wharf.broker.partition.CleaningListener;
import io.wharf.broker.partition.PartitionRegistry;
import io.wharf.metadata.MetadataImage;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.TopicSpec;
import io.wharf.proto.replication.ReplicaFetchRequest;
import io.wharf.proto.replication.ReplicaFetchResponse;
import io.wharf.proto.replication.ReplicationServiceGrpc;
import io.wharf.replication.log.CleanResult;
import io.wharf.replication.log.FlushMode;
import io.wharf.replication.log.LogFileChannels;
import io.wharf.replication.log.RetentionPolicy;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower's fetcher against a scripted leader: it keeps one {@code ReplicaFetch} stream for
 * its rounds, has one request on it at a time, and gives up on a stream whose request stays
 * unanswered past the max wait plus the slack (a leader whose connection went silent).
 */
class ReplicaFetcherTest {

    private static final Duration MAX_WAIT = Duration.ofMillis(100);
    private static final Duration SLACK = Duration.ofMillis(200);

    @TempDir
    Path dataDir;

    private final MetadataScript metadata = new MetadataScript();
    private final List<LeaderStream> streams = new CopyOnWriteArrayList<>();
    private final AtomicBoolean answering = new AtomicBoolean(true);
    private PartitionRegistry registry;
    private Server leader;
    private ReplicaFetcher fetcher;
    private long epoch;

    /** What the scripted leader saw on one stream. */
    private static final class LeaderStream {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicBoolean cancelled = new AtomicBoolean();
    }

    @BeforeEach
    void setUp() throws Exception {
        metadata.activate(1);
        epoch = metadata.activate(2);
        metadata.submit(ControllerCommand.newBuilder().setCreateTopics(CreateTopicsCommand.newBuilder()
                .addTopics(TopicSpec.newBuilder().setName("t").setPartitions(2).setReplicationFactor(2))).build());
        assertTrue(metadata.image().topic("t").orElseThrow().partitions().values().stream()
                .anyMatch(p -> p.leader() == 1), "broker 2 follows a partition that broker 1 leads");
        registry = new PartitionRegistry(new PartitionRegistry.Settings(2, dataDir, FlushMode.SYNC, 5000,
                Duration.ofHours(1), RetentionPolicy.KEEP_FOREVER, Duration.ofHours(1), Duration.ofDays(1),
                new CleanerSettings(false, 1024 * 1024, OptionalLong.empty(), Duration.ofSeconds(15)), 1),
                Clock.systemUTC(), fsyncNanos -> { }, LogFileChannels.DEFAULT, new CleaningListener() {
                    @Override
                    public void measured(double maxDirtyRatio) {
                    }

                    @Override
                    public void cleaned(TopicPartition partition, CleanResult result, long nanos) {
                    }
                });
        registry.onImageChanged(MetadataImage.empty(), metadata.image());
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.partitions().stream()
                .anyMatch(p -> p.followerPosition().map(f -> f.leaderId() == 1).orElse(false)));
        leader = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new ScriptedLeader()).build().start();
        fetcher = new ReplicaFetcher(2, 1, new HostPort("127.0.0.1", leader.getPort()), registry, () -> epoch,
                MAX_WAIT, 1 << 20, Duration.ofMillis(20), SLACK);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (fetcher != null) {
            fetcher.close();
        }
        if (leader != null) {
            leader.shutdownNow().awaitTermination();
        }
        if (registry != null) {
            registry.close();
        }
    }

    /** Answers each request at once with no news (so the follower asks again), or, when told to, never. */
    private final class ScriptedLeader extends ReplicationServiceGrpc.ReplicationServiceImplBase {
        @Override
        public StreamObserver<ReplicaFetchRequest> replicaFetch(StreamObserver<ReplicaFetchResponse> responses) {
            LeaderStream seen = new LeaderStream();
            streams.add(seen);
            return new StreamObserver<>() {
                @Override
                public void onNext(ReplicaFetchRequest request) {
                    seen.requests.incrementAndGet();
                    if (answering.get()) {
                        responses.onNext(ReplicaFetchResponse.getDefaultInstance());
                    }
                }

                @Override
                public void onError(Throwable failure) {
                    seen.cancelled.set(true);
                }

                @Override
                public void onCompleted() {
                    responses.onCompleted();
                }
            };
        }
    }

    @Test
    void everyRoundGoesOverOneStream() {
        fetcher.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> !streams.isEmpty() && streams.get(0).requests.get() >= 20);
        assertEquals(1, streams.size(), "one stream for all rounds");
    }

    @Test
    void aRequestLeftUnansweredEndsItsStreamAndTheNextRoundOpensAnother() {
        answering.set(false);
        fetcher.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> streams.size() >= 3);
        LeaderStream first = streams.get(0);
        await().atMost(Duration.ofSeconds(10)).until(first.cancelled::get);
        assertEquals(1, first.requests.get(), "one request at a time: nothing more after the unanswered one");

        // The connection works again: the fetcher settles on one stream.
        answering.set(true);
        int before = streams.size();
        await().atMost(Duration.ofSeconds(10)).until(() -> streams.get(streams.size() - 1).requests.get() >= 20);
        assertTrue(streams.size() <= before + 1, "at most one more stream once answers come: " + streams.size());
    }
}
