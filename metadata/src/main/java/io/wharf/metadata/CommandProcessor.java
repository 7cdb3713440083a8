package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.ItemResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a controller command into the records that carry it out and the answer for its caller,
 * against the image of the log entry before it. Pure and deterministic (no clock, no randomness,
 * no I/O): every controller replaying the same command on the same image gets the same records.
 * Stateless.
 *
 * <p>Commands and what they answer:
 * <ul>
 * <li>CreateTopics, DeleteTopics: one item per topic, named by the topic; each topic succeeds or
 *     fails on its own.
 * <li>RegisterBroker, FenceBroker, UnfenceBroker, ControlledShutdown: one item named
 *     {@code broker-<id>}; RegisterBroker also answers {@code broker_epoch} (the offset, or the
 *     current epoch when the same broker process retries its registration) and {@code broker_fenced}.
 * <li>AlterPartition: one item named {@code <topic>-<partition>}; answers {@code partition} with the
 *     state after the command (or the current state when it was rejected for a stale or fenced
 *     epoch, not the leader, or a bad ISR).
 * <li>AllocateProducerIds: one item named {@code broker-<id>}; answers {@code producer_id_start}
 *     and {@code producer_id_count}, the block of ids now the broker's.
 * <li>DeclareExchange, DeleteExchange, DeclareQueue, DeleteQueue: one item named by the exchange or
 *     queue; a declaration that matches what exists answers NONE with no records. The declared
 *     queue is read from the image after the records are applied.
 * <li>Bind, Unbind: one item named {@code source->destination}; binding what is bound or
 *     unbinding what is not answers NONE with no records.
 * </ul>
 * An item that succeeded has no error ({@code getError().getCode() == NONE}).
 */
public final class CommandProcessor {

    private CommandProcessor() {
    }

    /**
     * The records and result of {@code command} applied at {@code offset} on top of {@code image}.
     * Apply the records with {@code image.apply(outcome.batch())}. A rejected command has errors
     * in its result and no records.
     *
     * @param offset the metadata offset (Ratis log index) of the command; above {@code image.offset()}
     * @throws IllegalArgumentException when {@code offset} is not above the image's offset
     */
    public static CommandOutcome process(MetadataImage image, ControllerCommand command, long offset) {
        return process(image, command, offset, 0);
    }

    /**
     * Processes {@code command} committed in Raft term {@code term}, as {@link #process(MetadataImage,
     * ControllerCommand, long)} does, except that a broker fence decided by the active controller
     * of another term ({@code FenceBrokerCommand.decided_in_term}) is rejected with NOT_CONTROLLER
     * and changes nothing: its controller judged the broker's liveness from a leadership that is
     * over (it was paused or cut off while the brokers heartbeated to its successor), and a stale
     * fence would move leaderships away from a live broker. {@code term} 0 checks nothing.
     */
    public static CommandOutcome process(MetadataImage image, ControllerCommand command, long offset, long term) {
        if (offset <= image.offset()) {
            throw new IllegalArgumentException("command offset " + offset + " is not above the image offset "
                    + image.offset());
        }
        if (command.hasFenceBroker()) {
            long decidedIn = command.getFenceBroker().getDecidedInTerm();
            if (term > 0 && decidedIn > 0 && decidedIn != term) {
                return BrokerCommands.rejection(BrokerCommands.itemName(command.getFenceBroker().getBrokerId()),
                        Error.newBuilder().setCode(ErrorCode.NOT_CONTROLLER).setMessage("the fence of broker "
                                + command.getFenceBroker().getBrokerId() + " was decided by the active controller of "
                                + "term " + decidedIn + " and reached the log in term " + term
                                + "; the active controller of this term judges the broker itself").build(), offset);
            }
        }
        return switch (command.getCommandCase()) {
            case CREATE_TOPICS -> TopicCommands.create(image, command.getCreateTopics(), offset);
            case DELETE_TOPICS -> TopicCommands.delete(image, command.getDeleteTopics(), offset);
            case REGISTER_BROKER -> BrokerCommands.register(image, command.getRegisterBroker(), offset);
            case FENCE_BROKER -> BrokerCommands.fence(image, command.getFenceBroker().getBrokerId(),
                    command.getFenceBroker().getBrokerEpoch(), false, offset);
            case CONTROLLED_SHUTDOWN -> BrokerCommands.fence(image, command.getControlledShutdown().getBrokerId(),
                    command.getControlledShutdown().getBrokerEpoch(), true, offset);
            case UNFENCE_BROKER -> BrokerCommands.unfence(image, command.getUnfenceBroker().getBrokerId(),
                    command.getUnfenceBroker().getBrokerEpoch(), offset);
            case ALTER_PARTITION -> PartitionCommands.alter(image, command.getAlterPartition(), offset);
            case ALLOCATE_PRODUCER_IDS -> ProducerIdCommands.allocate(image, command.getAllocateProducerIds(), offset);
            case ELECT_PREFERRED_LEADERS -> PreferredLeaders.elect(image, command.getElectPreferredLeaders(), offset);
            case ALTER_TOPIC_CONFIGS -> TopicCommands.alterConfigs(image, command.getAlterTopicConfigs(), offset);
            case DECLARE_EXCHANGE -> ExchangeCommands.declare(image, command.getDeclareExchange(), offset);
            case DELETE_EXCHANGE -> ExchangeCommands.delete(image, command.getDeleteExchange(), offset);
            case DECLARE_QUEUE -> QueueCommands.declare(image, command.getDeclareQueue(), offset);
            case DELETE_QUEUE -> QueueCommands.delete(image, command.getDeleteQueue(), offset);
            case BIND -> BindingCommands.bind(image, command.getBind().getBinding(), offset);
            case UNBIND -> BindingCommands.unbind(image, command.getUnbind().getBinding(), offset);
            default -> BrokerCommands.rejection("command", noCommand(), offset);
        };
    }

    /**
     * The checks that need no image. Empty means: replicate the command. Non-empty means the
     * command is certainly rejected as a whole, and the list is exactly the items
     * {@link #process} would answer (with no records), so the leader may answer it without
     * replicating. A CreateTopics or DeleteTopics of which only some topics fail here passes, since
     * its other topics may still succeed.
     */
    public static List<ItemResult> precheck(ControllerCommand command) {
        List<ItemResult> items = new ArrayList<>();
        switch (command.getCommandCase()) {
            case CREATE_TOPICS -> addAll(items, command.getCreateTopics().getTopicsList().stream()
                    .map(spec -> spec.getName()).toList(), StatelessChecks.createTopics(command.getCreateTopics()));
            case DELETE_TOPICS -> addAll(items, command.getDeleteTopics().getNamesList(),
                    StatelessChecks.deleteTopics(command.getDeleteTopics()));
            case REGISTER_BROKER -> add(items, BrokerCommands.itemName(command.getRegisterBroker().getBrokerId()),
                    StatelessChecks.registerBroker(command.getRegisterBroker()));
            case FENCE_BROKER -> add(items, BrokerCommands.itemName(command.getFenceBroker().getBrokerId()),
                    StatelessChecks.brokerLifecycle(command.getFenceBroker().getBrokerId(),
                            command.getFenceBroker().getBrokerEpoch()));
            case CONTROLLED_SHUTDOWN -> add(items,
                    BrokerCommands.itemName(command.getControlledShutdown().getBrokerId()),
                    StatelessChecks.brokerLifecycle(command.getControlledShutdown().getBrokerId(),
                            command.getControlledShutdown().getBrokerEpoch()));
            case UNFENCE_BROKER -> add(items, BrokerCommands.itemName(command.getUnfenceBroker().getBrokerId()),
                    StatelessChecks.brokerLifecycle(command.getUnfenceBroker().getBrokerId(),
                            command.getUnfenceBroker().getBrokerEpoch()));
            case ALTER_PARTITION -> add(items, PartitionCommands.itemName(command.getAlterPartition().getTopic(),
                    command.getAlterPartition().getPartition()), StatelessChecks.alterPartition(command.getAlterPartition()));
            case ALLOCATE_PRODUCER_IDS -> add(items,
                    BrokerCommands.itemName(command.getAllocateProducerIds().getBrokerId()),
                    StatelessChecks.brokerLifecycle(command.getAllocateProducerIds().getBrokerId(),
                            command.getAllocateProducerIds().getBrokerEpoch()));
            case ALTER_TOPIC_CONFIGS -> add(items, command.getAlterTopicConfigs().getTopic(),
                    StatelessChecks.alterTopicConfigs(command.getAlterTopicConfigs()));
            case ELECT_PREFERRED_LEADERS -> {
                // every check needs the image
            }
            case DECLARE_EXCHANGE -> add(items, command.getDeclareExchange().getName(),
                    StatelessChecks.declareExchange(command.getDeclareExchange()));
            case DELETE_EXCHANGE -> add(items, command.getDeleteExchange().getName(),
                    StatelessChecks.deleteExchange(command.getDeleteExchange().getName()));
            case DECLARE_QUEUE -> add(items, command.getDeclareQueue().getName(),
                    StatelessChecks.declareQueue(command.getDeclareQueue()));
            case DELETE_QUEUE -> add(items, command.getDeleteQueue().getName(),
                    QueueNames.validate(command.getDeleteQueue().getName()));
            case BIND -> add(items, BindingCommands.itemName(command.getBind().getBinding()),
                    StatelessChecks.binding(command.getBind().getBinding()));
            case UNBIND -> add(items, BindingCommands.itemName(command.getUnbind().getBinding()),
                    StatelessChecks.binding(command.getUnbind().getBinding()));
            default -> add(items, "command", Optional.of(noCommand()));
        }
        boolean allFailed = !items.isEmpty() && items.stream().allMatch(ItemResult::hasError);
        return allFailed ? List.copyOf(items) : List.of();
    }

    private static void addAll(List<ItemResult> items, List<String> names, List<Optional<Error>> errors) {
        for (int i = 0; i < names.size(); i++) {
            add(items, names.get(i), errors.get(i));
        }
    }

    private static void add(List<ItemResult> items, String name, Optional<Error> error) {
        items.add(error.map(e -> Errors.failed(name, e)).orElseGet(() -> Errors.ok(name)));
    }

    private static Error noCommand() {
        return Errors.of(ErrorCode.INVALID_REQUEST, "the controller command names no operation; set one of its fields");
    }
}
