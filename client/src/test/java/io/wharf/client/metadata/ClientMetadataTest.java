package io.wharf.client.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import io.wharf.client.TopicPartition;
import io.wharf.client.fake.FakeCluster;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClientMetadataTest {

    private final FakeCluster cluster = FakeCluster.inProcess(3);
    private final EndpointChannels channels = new EndpointChannels(cluster.channels());
    private final AtomicLong now = new AtomicLong(1_000);

    @AfterEach
    void tearDown() {
        channels.close();
        cluster.close();
    }

    private ClientMetadata metadata(List<Endpoint> bootstrap) {
        return new ClientMetadata(bootstrap, channels, Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofMillis(10), now::get);
    }

    @Test
    void aDeadBootstrapBrokerIsSkipped() {
        cluster.createTopic("t", 3);
        List<Endpoint> bootstrap = new ArrayList<>();
        bootstrap.add(new Endpoint("no-such-broker", 1));
        bootstrap.addAll(cluster.bootstrap());
        ClusterView view = metadata(bootstrap).refresh();
        assertEquals(3, view.partitionCount("t").orElseThrow());
        assertEquals(cluster.endpoints().get(2), view.leaderEndpoint(new TopicPartition("t", 1)).orElseThrow());
    }

    @Test
    void noBrokerAnsweringIsATimeoutNamingThem() {
        ClientException e = assertThrows(ClientException.class,
                () -> metadata(List.of(new Endpoint("no-such-broker", 1))).refresh());
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, e.code());
        assertTrue(e.getMessage().contains("no-such-broker:1"), e.getMessage());
    }

    @Test
    void aRedirectOutlivesRefreshesThatStillShowTheOldLeader() {
        cluster.createTopic("t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        ClientMetadata metadata = metadata(cluster.bootstrap());
        metadata.refresh();
        cluster.moveLeader(tp, 2, false);
        metadata.onPartitionError(tp, Error.newBuilder().setCode(ErrorCode.NOT_LEADER).setLeaderId(2)
                .setLeaderEndpoint(cluster.endpoints().get(2).toString()).build());
        assertEquals(cluster.endpoints().get(2), metadata.view().leaderEndpoint(tp).orElseThrow());
        metadata.refresh();
        assertEquals(cluster.endpoints().get(2), metadata.view().leaderEndpoint(tp).orElseThrow());
    }

    @Test
    void refreshesWhenStaleOrOldButNotMoreOftenThanTheBackoff() {
        cluster.createTopic("t", 1);
        ClientMetadata metadata = metadata(cluster.bootstrap());
        assertTrue(metadata.maybeRefresh(), "a new client has no view yet");
        assertEquals(false, metadata.maybeRefresh());
        metadata.markStale();
        assertEquals(false, metadata.maybeRefresh(), "within the backoff");
        now.addAndGet(10);
        assertTrue(metadata.maybeRefresh());
        now.addAndGet(30_000);
        assertTrue(metadata.maybeRefresh(), "older than max age");
    }

    @Test
    void anUnknownTopicIsReportedAfterTheWait() {
        ClientMetadata metadata = new ClientMetadata(cluster.bootstrap(), channels, Duration.ofSeconds(1),
                Duration.ofSeconds(30), Duration.ofMillis(1), System::currentTimeMillis);
        ClientException e = assertThrows(ClientException.class,
                () -> metadata.awaitPartitionCount("missing", Duration.ofMillis(50)));
        assertEquals(ErrorCode.UNKNOWN_TOPIC, e.code());
    }
}
