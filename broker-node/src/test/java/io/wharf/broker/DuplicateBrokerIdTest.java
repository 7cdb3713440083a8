package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.metadata.BrokerRegistration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two broker processes started with the same node.id against real controllers: the second is
 * refused with DUPLICATE_BROKER_ID and stops, the first keeps its registration; once the first
 * has stopped, the id registers again (decision duplicate-broker-id.md).
 */
class DuplicateBrokerIdTest {

    @TempDir
    Path dir;

    @Test
    void aSecondProcessWithARunningBrokersIdStopsAndTheFirstKeepsItsRegistration() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir)) {
            cluster.startControllers(Map.of());
            BrokerNode first = cluster.startBroker(1, Map.of());
            await().atMost(Duration.ofSeconds(30)).until(first::isActive);
            long epoch = first.brokerEpoch();

            BrokerNode second = new BrokerNode(BrokerConfig.from(
                    BrokerNodeTest.testConfig(1, cluster.bootstrap(), dir.resolve("second"))));
            try {
                second.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> second.failure().isPresent()
                        && second.lifecycleState() == BrokerLifecycle.State.STOPPED);
                DuplicateBrokerIdException refused =
                        assertInstanceOf(DuplicateBrokerIdException.class, second.failure().orElseThrow());
                assertEquals(1, refused.brokerId());
                assertTrue(refused.getMessage().contains("DUPLICATE") || refused.getMessage().contains("alive"),
                        refused.getMessage());
            } finally {
                second.close();
            }

            assertEquals(epoch, first.brokerEpoch());
            assertTrue(first.isActive());
            // The refused process never registered: the first's registration is as it was.
            await().atMost(Duration.ofSeconds(10)).until(() -> first.metadataImage().broker(1)
                    .map(BrokerRegistration::epoch).orElse(-1L) == epoch);
            BrokerRegistration registration = first.metadataImage().broker(1).orElseThrow();
            assertFalse(registration.fenced());
            assertEquals(first.rpcPort(), registration.port());

            // A restart once the first process has stopped registers as usual.
            cluster.stopBroker(1);
            BrokerNode restarted = cluster.startBroker(1, Map.of());
            await().atMost(Duration.ofSeconds(30)).until(restarted::isActive);
            assertTrue(restarted.brokerEpoch() > epoch);
        }
    }
}
