package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.controller.RegisterBrokerRequest;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The driver against a fake controller over real gRPC: what its heartbeats ask for, and when. */
class BrokerLifecycleDriverTest {

    private static final int BROKER = 1;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final List<Throwable> fatalErrors = new CopyOnWriteArrayList<>();
    private FakeQuorum quorum;
    private ControllerChannels channels;

    @AfterEach
    void tearDown() {
        scheduler.shutdownNow();
        if (channels != null) {
            channels.close();
        }
        if (quorum != null) {
            quorum.close();
        }
    }

    /**
     * A broker registers while it is still starting: caught up or not, it stays fenced, asking so
     * in every heartbeat, until it is ready to serve; then the next heartbeat gets it unfenced.
     */
    @Test
    void heartbeatsAskToStayFencedUntilTheBrokerIsReadyToServe() throws Exception {
        quorum = FakeQuorum.start(1);
        channels = new ControllerChannels(HostPort.parseList(quorum.bootstrap()), ControllerChannels.nettyChannels(),
                Duration.ofSeconds(1));
        BrokerLifecycleDriver driver = new BrokerLifecycleDriver(RegisterBrokerRequest.newBuilder()
                .setBrokerId(BROKER).setHost("127.0.0.1").setPort(9).setIncarnationId(UUID.randomUUID().toString())
                .build(), channels, scheduler, () -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime()),
                () -> quorum.image().offset(), leaderOffset -> { }, Duration.ofMillis(20), Duration.ofMillis(20),
                fatalErrors::add, () -> false);
        driver.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> driver.brokerEpoch() > 0);
        driver.metadataAdvanced(quorum.image().offset());
        // Caught up with its registration, it keeps heartbeating (its session stays alive) but fenced.
        await().atMost(Duration.ofSeconds(10)).until(() -> heartbeats().size() >= 5);
        assertTrue(heartbeats().stream().allMatch(FakeController.Call::wantFence), () -> "" + heartbeats());
        assertTrue(quorum.image().broker(BROKER).orElseThrow().fenced());
        assertFalse(driver.state() == BrokerLifecycle.State.ACTIVE);

        driver.readyToServe();
        await().atMost(Duration.ofSeconds(10)).until(() -> driver.state() == BrokerLifecycle.State.ACTIVE);
        assertTrue(quorum.image().isActive(BROKER));
        assertTrue(heartbeats().stream().anyMatch(call -> !call.wantFence()));
        assertTrue(fatalErrors.isEmpty(), () -> "" + fatalErrors);
    }

    private List<FakeController.Call> heartbeats() {
        return quorum.controller(1).calls("BrokerHeartbeat");
    }
}
