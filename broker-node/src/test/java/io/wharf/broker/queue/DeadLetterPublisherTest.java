package io.wharf.broker.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.wharf.broker.MetadataScript;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.DeclareQueueCommand;
import io.wharf.proto.queue.Message;
import io.wharf.queue.DeadLetterTarget;
import io.wharf.queue.DeathReason;
import io.wharf.queue.QueueEffect;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** DeadLetterPublisher: one store at a time per dead letter, retries with backoff, drops, step-downs. */
class DeadLetterPublisherTest {

    private final MetadataScript metadata = new MetadataScript();
    /** Each store asked for, with the future the test completes. */
    private final List<MessageStores.Store> stores = new ArrayList<>();
    private final List<CompletableFuture<Error>> outcomes = new ArrayList<>();
    private long now = 1_000;
    private final DeadLetterPublisher publisher = new DeadLetterPublisher("source", "q-1", metadata::image,
            asked -> {
                List<CompletableFuture<Error>> futures = new ArrayList<>();
                for (MessageStores.Store store : asked) {
                    stores.add(store);
                    CompletableFuture<Error> future = new CompletableFuture<>();
                    outcomes.add(future);
                    futures.add(future);
                }
                return futures;
            }, Runnable::run, () -> now);

    DeadLetterPublisherTest() {
        metadata.activate(1);
        metadata.submit(ControllerCommand.newBuilder().setDeclareQueue(DeclareQueueCommand.newBuilder()
                .setName("dlq")).build());
    }

    private static QueueEffect.DeadLetter died(long id, String key) {
        return new QueueEffect.DeadLetter(id, id, DeathReason.REJECTED, 500, new DeadLetterTarget("", Optional.of(key)));
    }

    /** Message 13 is gone (a predecessor's DeadLettered was applied); the others are live. */
    private static Optional<Message> body(long id) {
        return id == 13 ? Optional.empty()
                : Optional.of(Message.newBuilder().setRoutingKey("source").setBody(ByteString.copyFromUtf8("m" + id))
                        .build());
    }

    private void publishDue() {
        publisher.publishDue(now, DeadLetterPublisherTest::body);
    }

    @Test
    void aDeadLetterIsDoneOnceItsStoreIsCommittedAndIsStoredOnceAtATime() {
        publisher.add(died(4, "dlq"));
        publishDue();
        publishDue();
        publisher.add(died(4, "dlq"));
        publishDue();
        assertEquals(1, stores.size(), "one attempt at a time");
        MessageStores.Store store = stores.get(0);
        assertEquals("dlq", store.queue());
        assertEquals("dlx:q-1", store.publisherId());
        assertEquals(4, store.sequence());
        assertEquals("m4", store.message().getBody().toStringUtf8());
        assertEquals("rejected", store.message().getXDeath(0).getReason());
        assertEquals(List.of(), publisher.takeDone(), "not committed yet");

        outcomes.get(0).complete(PartitionLookup.none());
        assertEquals(List.of(4L), publisher.takeDone());
        assertEquals(List.of(), publisher.takeDone(), "handed back once");
        publisher.marked(4);
        publishDue();
        assertEquals(1, stores.size());
    }

    @Test
    void aFailedStoreIsTriedAgainAfterABackoffThatGrows() {
        publisher.add(died(4, "dlq"));
        publishDue();
        outcomes.get(0).complete(PartitionLookup.error(ErrorCode.NOT_LEADER, "moving"));
        publishDue();
        assertEquals(1, stores.size(), "not before the backoff");
        now += DeadLetterPublisher.FIRST_BACKOFF_MS;
        publishDue();
        assertEquals(2, stores.size());
        outcomes.get(1).complete(PartitionLookup.error(ErrorCode.REQUEST_TIMED_OUT, "slow"));
        now += DeadLetterPublisher.FIRST_BACKOFF_MS;
        publishDue();
        assertEquals(2, stores.size(), "the second wait is longer");
        now += DeadLetterPublisher.FIRST_BACKOFF_MS;
        publishDue();
        assertEquals(3, stores.size());
        outcomes.get(2).complete(PartitionLookup.none());
        assertEquals(List.of(4L), publisher.takeDone());

        publisher.markFailed(4);  // its DeadLettered entry was not appended: store it again
        now += 4 * DeadLetterPublisher.FIRST_BACKOFF_MS;
        publishDue();
        assertEquals(4, stores.size());
    }

    @Test
    void withoutARouteTheDeadLetterIsDroppedCountedAndDone() {
        publisher.add(died(9, "no-such-queue"));
        publishDue();
        assertTrue(stores.isEmpty());
        assertEquals(1, publisher.dropped());
        assertEquals(List.of(9L), publisher.takeDone());
    }

    @Test
    void atMostMaxStoringAreStoredAtOnceAndTheNextStartAsTheyComplete() {
        for (long id = 100; id < 100 + DeadLetterPublisher.MAX_STORING + 2; id++) {
            publisher.add(died(id, "dlq"));
        }
        publishDue();
        assertEquals(DeadLetterPublisher.MAX_STORING, stores.size());
        assertEquals(100, stores.get(0).sequence(), "in the order they died");
        outcomes.get(0).complete(PartitionLookup.none());
        publishDue();
        assertEquals(DeadLetterPublisher.MAX_STORING + 1, stores.size());
        assertEquals(100 + DeadLetterPublisher.MAX_STORING, stores.get(stores.size() - 1).sequence());
    }

    @Test
    void aMessageNoLongerLiveIsForgotten() {
        publisher.add(died(13, "dlq"));
        publishDue();
        assertTrue(stores.isEmpty());
        assertEquals(List.of(), publisher.takeDone(), "nothing to mark");
    }

    @Test
    void aDeadLetterATargetRefusesAsTooLargeIsDroppedThereNotRetried() {
        publisher.add(died(4, "dlq"));
        publishDue();
        outcomes.get(0).complete(PartitionLookup.error(ErrorCode.RECORD_TOO_LARGE, "too large"));
        assertEquals(List.of(4L), publisher.takeDone());
        assertEquals(1, publisher.dropped());
    }

    @Test
    void storesOfAnEarlierLeadershipAreIgnoredAfterClear() {
        publisher.add(died(4, "dlq"));
        publishDue();
        publisher.clear();
        outcomes.get(0).complete(PartitionLookup.none());
        assertEquals(List.of(), publisher.takeDone());

        publisher.add(died(4, "dlq"));  // the next leadership finds it pending again
        publishDue();
        assertEquals(2, stores.size());
        outcomes.get(1).complete(PartitionLookup.none());
        assertEquals(List.of(4L), publisher.takeDone());
    }
}
