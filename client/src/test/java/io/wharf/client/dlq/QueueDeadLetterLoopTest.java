package io.wharf.client.dlq;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.fake.FakeQueueCluster;
import io.wharf.client.queue.QueueConsumer;
import io.wharf.client.queue.QueueConsumerConfig;
import io.wharf.client.queue.QueuePublisher;
import io.wharf.client.queue.QueuePublisherConfig;
import io.wharf.client.queue.SubscribeOptions;
import io.wharf.proto.common.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link QueueDeadLetterLoop} with the real QueueConsumer and QueuePublisher against the fake queue cluster. */
class QueueDeadLetterLoopTest {

    private static final QueueDeadLetterConfig UNORDERED = QueueDeadLetterConfig.defaults()
            .withBackoff(new RetryBackoff(Duration.ofMillis(1), Duration.ofMillis(2), 2));

    private final FakeQueueCluster cluster = FakeQueueCluster.inProcess(1);
    private QueueConsumer consumer;
    private QueuePublisher publisher;
    /** Bodies the processor finished, in order. */
    private final List<String> processed = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void setUp() {
        // The default exchange with a routing key: dead letters go straight to jobs-dlq.
        cluster.declareQueue("jobs", 1, Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "jobs-dlq"));
        cluster.declareQueue("jobs-dlq", 1);
        consumer = new QueueConsumer(QueueConsumerConfig.of(cluster.bootstrap()), cluster.channels());
        publisher = new QueuePublisher(QueuePublisherConfig.of(cluster.bootstrap()), cluster.channels());
    }

    @AfterEach
    void tearDown() {
        consumer.close();
        publisher.close(Duration.ofSeconds(1));
        cluster.close();
    }

    private QueueDeadLetterLoop start(QueueDeadLetterConfig config) {
        return QueueDeadLetterLoop.start(consumer, publisher, null, config, "jobs", SubscribeOptions.defaults(),
                delivery -> {
                    String body = new String(delivery.body(), StandardCharsets.UTF_8);
                    if (body.startsWith("bad")) {
                        throw new IllegalStateException("cannot do " + body);
                    }
                    processed.add(body);
                });
    }

    @Test
    void aFailingMessageIsDeadLetteredToTheQueuesExchangeAndAckedAndTheNextOneProcessed() throws Exception {
        cluster.enqueue("jobs", "bad-1");
        cluster.enqueue("jobs", "good-2");
        try (QueueDeadLetterLoop loop = start(UNORDERED)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> processed.size() == 1
                    && cluster.readyBodies("jobs-dlq").equals(List.of("bad-1")) && cluster.unacked("jobs") == 0);
            assertEquals(List.of("good-2"), processed);
            assertEquals(List.of(), cluster.readyBodies("jobs"));
            assertEquals(2, cluster.acked().size(), "both acked: one processed, one dead-lettered");
        }
    }

    @Test
    void aDeadLetterNeverConfirmedStopsTheLoopAndPutsTheMessageAndThoseBehindItBackInOrder() throws Exception {
        cluster.scriptPublishes(ErrorCode.ACCESS_REFUSED, ErrorCode.ACCESS_REFUSED);
        cluster.enqueue("jobs", "bad-1");
        cluster.enqueue("jobs", "good-2");
        cluster.enqueue("jobs", "good-3");
        QueueDeadLetterLoop loop = start(UNORDERED);
        ExecutionException failed = assertThrows(ExecutionException.class, () -> loop.done().get(10, TimeUnit.SECONDS));
        assertInstanceOf(DeadLetterWriteException.class, failed.getCause());
        assertTrue(failed.getCause().getMessage().contains("dead letter of message"), failed.getCause().getMessage());
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.readyBodies("jobs").size() == 3);
        assertEquals(List.of("bad-1", "good-2", "good-3"), cluster.readyBodies("jobs"),
                "nothing behind the failed message handled, all back in order");
        assertEquals(List.of(), processed);
        assertEquals(List.of(), cluster.acked());
    }

    @Test
    void orderedModeNeedsASingleActiveConsumerAndEveryLoopADeadLetterExchange() {
        IllegalArgumentException competing = assertThrows(IllegalArgumentException.class,
                () -> start(UNORDERED.ordered()));
        assertTrue(competing.getMessage().contains("x-single-active-consumer=true"), competing.getMessage());
        IllegalArgumentException nowhere = assertThrows(IllegalArgumentException.class, () -> QueueDeadLetterLoop.start(
                consumer, publisher, null, UNORDERED, "jobs-dlq", SubscribeOptions.defaults(), delivery -> { }));
        assertTrue(nowhere.getMessage().contains("no x-dead-letter-exchange"), nowhere.getMessage());
        assertEquals(0, cluster.subscribes(), "refused before subscribing");
    }
}
