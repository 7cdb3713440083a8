package io.wharf.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.ItemResult;
import java.util.List;

/**
 * A metadata image driven the way the controller drives it: each command is processed at the next
 * offset and its records applied. Single-threaded; owned by one test.
 */
final class Cluster {

    private MetadataImage image = MetadataImage.empty();
    private long nextOffset = 1;

    /** A cluster with brokers 0..count-1 registered and unfenced. */
    static Cluster withActiveBrokers(int count) {
        Cluster cluster = new Cluster();
        for (int id = 0; id < count; id++) {
            cluster.registerAndUnfence(id);
        }
        return cluster;
    }

    MetadataImage image() {
        return image;
    }

    /** The Raft term commands are committed in; 0 checks no term. */
    long term;

    /** Processes and applies {@code command}; returns its outcome. */
    CommandOutcome run(ControllerCommand command) {
        CommandOutcome outcome = CommandProcessor.process(image, command, nextOffset++, term);
        assertEquals(outcome.result().getOffset(), nextOffset - 1);
        image = image.apply(outcome.batch());
        return outcome;
    }

    /** Runs a command that must succeed in every item. */
    CommandOutcome ok(ControllerCommand command) {
        CommandOutcome outcome = run(command);
        assertFalse(outcome.hasErrors(), () -> "unexpected errors: " + outcome.result().getItemsList());
        return outcome;
    }

    /**
     * Runs a command that must be rejected with {@code code} in its single item, with no records
     * and an image equal to the one before apart from the offset.
     */
    ItemResult rejected(ControllerCommand command, ErrorCode code) {
        MetadataImage before = image;
        CommandOutcome outcome = run(command);
        assertTrue(outcome.records().isEmpty(), () -> "a rejection emitted records: " + outcome.records());
        assertEquals(1, outcome.result().getItemsCount());
        ItemResult item = outcome.result().getItems(0);
        assertEquals(code, item.getError().getCode(), item::toString);
        assertFalse(item.getError().getMessage().isBlank(), "an error needs a message");
        assertUnchangedExceptOffset(before, image);
        return item;
    }

    /**
     * Runs a command that must succeed and change nothing (an idempotent redeclaration, a passive
     * declare, a repeated bind or a missing unbind).
     */
    void unchanged(ControllerCommand command) {
        MetadataImage before = image;
        CommandOutcome outcome = ok(command);
        assertTrue(outcome.records().isEmpty(), () -> "expected no records: " + outcome.records());
        assertUnchangedExceptOffset(before, image);
    }

    long registerAndUnfence(int id) {
        long epoch = ok(Commands.register(id)).result().getBrokerEpoch();
        ok(Commands.unfence(id, epoch));
        return epoch;
    }

    long epoch(int broker) {
        return image.brokers().get(broker).epoch();
    }

    PartitionState partition(String topic, int partition) {
        return image.topic(topic).orElseThrow().partitions().get(partition);
    }

    static void assertUnchangedExceptOffset(MetadataImage before, MetadataImage after) {
        assertEquals(before.brokers(), after.brokers());
        assertEquals(before.topics(), after.topics());
        assertEquals(before.nextProducerId(), after.nextProducerId());
        assertEquals(before.exchanges(), after.exchanges());
        assertEquals(before.queues(), after.queues());
        assertEquals(before.bindings(), after.bindings());
    }

    static List<ItemResult> errors(CommandOutcome outcome) {
        return outcome.result().getItemsList().stream().filter(ItemResult::hasError).toList();
    }
}
