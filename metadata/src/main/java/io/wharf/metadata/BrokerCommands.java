package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.FenceBrokerRecord;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.RegisterBrokerCommand;
import io.wharf.proto.metadata.RegisterBrokerRecord;
import io.wharf.proto.metadata.UnfenceBrokerRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Turns the broker lifecycle commands (register, fence, unfence, controlled shutdown) into records. Stateless. */
final class BrokerCommands {

    private BrokerCommands() {
    }

    static String itemName(int brokerId) {
        return "broker-" + brokerId;
    }

    /**
     * Registers a broker fenced, with its epoch the command's offset. A broker that was registered
     * before restarted: its previous incarnation first leaves ISRs and leaderships as if fenced.
     */
    static CommandOutcome register(MetadataImage image, RegisterBrokerCommand command, long offset) {
        String item = itemName(command.getBrokerId());
        Optional<Error> error = StatelessChecks.registerBroker(command);
        if (error.isPresent()) {
            return rejection(item, error.get(), offset);
        }
        List<MetadataRecord> records = new ArrayList<>();
        if (image.broker(command.getBrokerId()).isPresent()) {
            records.addAll(LeadershipChanges.removeBroker(image, command.getBrokerId()));
        }
        records.add(MetadataRecord.newBuilder()
                .setRegisterBroker(RegisterBrokerRecord.newBuilder()
                        .setBrokerId(command.getBrokerId())
                        .setBrokerEpoch(offset)
                        .setHost(command.getHost())
                        .setPort(command.getPort())
                        .setRack(command.getRack()))
                .build());
        CommandResult result = CommandResult.newBuilder()
                .setOffset(offset).addItems(Errors.ok(item)).setBrokerEpoch(offset).build();
        return new CommandOutcome(records, result);
    }

    /** Fences an active broker, moving its leaderships and taking it out of ISRs; a no-op when already fenced. */
    static CommandOutcome fence(MetadataImage image, int brokerId, long brokerEpoch, long offset) {
        String item = itemName(brokerId);
        Optional<Error> error = registrationError(image, brokerId, brokerEpoch);
        if (error.isPresent()) {
            return rejection(item, error.get(), offset);
        }
        List<MetadataRecord> records = new ArrayList<>();
        if (!image.brokers().get(brokerId).fenced()) {
            records.add(MetadataRecord.newBuilder()
                    .setFenceBroker(FenceBrokerRecord.newBuilder().setBrokerId(brokerId).setBrokerEpoch(brokerEpoch))
                    .build());
            records.addAll(LeadershipChanges.removeBroker(image, brokerId));
        }
        return new CommandOutcome(records, ok(item, offset));
    }

    /** Unfences a fenced broker and lets it lead the leaderless partitions it is in sync for; a no-op when active. */
    static CommandOutcome unfence(MetadataImage image, int brokerId, long brokerEpoch, long offset) {
        String item = itemName(brokerId);
        Optional<Error> error = registrationError(image, brokerId, brokerEpoch);
        if (error.isPresent()) {
            return rejection(item, error.get(), offset);
        }
        List<MetadataRecord> records = new ArrayList<>();
        if (image.brokers().get(brokerId).fenced()) {
            records.add(MetadataRecord.newBuilder()
                    .setUnfenceBroker(UnfenceBrokerRecord.newBuilder().setBrokerId(brokerId).setBrokerEpoch(brokerEpoch))
                    .build());
            records.addAll(LeadershipChanges.electLeaderless(image, brokerId));
        }
        return new CommandOutcome(records, ok(item, offset));
    }

    /** UNKNOWN_BROKER / STALE_BROKER_EPOCH unless {@code brokerId} is registered with {@code brokerEpoch}. */
    static Optional<Error> registrationError(MetadataImage image, int brokerId, long brokerEpoch) {
        Optional<Error> stateless = StatelessChecks.brokerLifecycle(brokerId, brokerEpoch);
        if (stateless.isPresent()) {
            return stateless;
        }
        Optional<BrokerRegistration> broker = image.broker(brokerId);
        if (broker.isEmpty()) {
            return Optional.of(Errors.of(ErrorCode.UNKNOWN_BROKER,
                    "broker " + brokerId + " is not registered; register it first"));
        }
        if (broker.get().epoch() != brokerEpoch) {
            return Optional.of(Errors.of(ErrorCode.STALE_BROKER_EPOCH, "broker " + brokerId + " sent epoch "
                    + brokerEpoch + " but its current registration has epoch " + broker.get().epoch()
                    + "; register again"));
        }
        return Optional.empty();
    }

    private static CommandResult ok(String item, long offset) {
        return CommandResult.newBuilder().setOffset(offset).addItems(Errors.ok(item)).build();
    }

    static CommandOutcome rejection(String item, Error error, long offset) {
        return new CommandOutcome(List.of(),
                CommandResult.newBuilder().setOffset(offset).addItems(Errors.failed(item, error)).build());
    }
}
