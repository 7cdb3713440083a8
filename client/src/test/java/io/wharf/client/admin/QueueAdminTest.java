package io.wharf.client.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.fake.FakeQueueCluster;
import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.ExchangeInfo;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.common.QueueInfo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The exchange, queue and binding calls of {@link AdminClient} against a fake controller and brokers. */
class QueueAdminTest {

    private final FakeQueueCluster cluster = FakeQueueCluster.inProcess(2);
    private final AdminClient admin = new AdminClient(AdminClientConfig.of(List.of(cluster.controller()))
            .withTotalTimeout(Duration.ofSeconds(2)).withRetryBackoff(Duration.ofMillis(10)), cluster.channels());

    @AfterEach
    void tearDown() {
        admin.close();
        cluster.close();
    }

    @Test
    void declaresBindsAndListsExchangesQueuesAndBindings() {
        admin.declareExchange("events", ExchangeType.TOPIC, false, Map.of("alternate-exchange", "lost"));
        admin.declareExchange("events", ExchangeType.TOPIC, false, Map.of());
        QueueInfo queue = admin.declareQueue("audit", Map.of("x-max-length", "10"), 3);
        assertEquals("audit", queue.getName());
        assertEquals("__queue.audit", queue.getTopic());
        admin.bind("events", "audit", DestinationKind.QUEUE, "order.*", Map.of());

        assertTrue(admin.listExchanges().stream().map(ExchangeInfo::getName).toList().contains("events"));
        assertEquals(List.of("audit"), admin.listQueues().stream().map(QueueInfo::getName).toList());
        List<BindingInfo> bindings = admin.listBindings("events");
        assertEquals(1, bindings.size());
        assertEquals("order.*", bindings.get(0).getRoutingKey());

        admin.unbind("events", "audit", DestinationKind.QUEUE, "order.*", Map.of());
        assertTrue(admin.listBindings("").isEmpty());
    }

    @Test
    void refusalsCarryTheCodeAndTheControllersMessage() {
        admin.declareExchange("events", ExchangeType.DIRECT, false, Map.of());
        AdminException redeclared = assertThrows(AdminException.class,
                () -> admin.declareExchange("events", ExchangeType.FANOUT, false, Map.of()));
        assertEquals(ErrorCode.PRECONDITION_FAILED, redeclared.code());
        assertTrue(redeclared.getMessage().contains("declaring exchange 'events' failed: exchange 'events' exists"),
                redeclared.getMessage());
        assertEquals(ErrorCode.ACCESS_REFUSED, assertThrows(AdminException.class,
                () -> admin.deleteExchange("amq.direct", false)).code());
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(AdminException.class,
                () -> admin.bind("events", "nope", DestinationKind.QUEUE, "", Map.of())).code());
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(AdminException.class, () -> admin.describeQueue("nope")).code());
    }

    @Test
    void describePurgeAndDeleteGoToTheQueuesLeader() {
        admin.declareQueue("a", Map.of());
        admin.declareQueue("jobs", Map.of());
        assertEquals(2, admin.listQueues(List.of("jobs")).get(0).getPartition().getLeader());
        cluster.enqueue("jobs", "one");
        cluster.enqueue("jobs", "two");

        QueueDescription description = admin.describeQueue("jobs");
        assertEquals(2, description.ready());
        assertEquals(0, description.unacked());
        assertEquals(2, description.info().getPartition().getLeader());

        AdminException notEmpty = assertThrows(AdminException.class, () -> admin.deleteQueue("jobs", false, true));
        assertEquals(ErrorCode.PRECONDITION_FAILED, notEmpty.code());
        assertEquals(2, admin.purgeQueue("jobs"));
        assertEquals(0, admin.deleteQueue("jobs", true, true));
        assertEquals(List.of("a"), admin.listQueues().stream().map(QueueInfo::getName).toList());
    }
}
