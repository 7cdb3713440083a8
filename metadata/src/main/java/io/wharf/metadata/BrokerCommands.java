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
     *
     * <p>Two registrations change nothing, so that a late attempt cannot take the epoch away from
     * the broker that is using it:
     * <ul>
     * <li>the same process retrying (the registered incarnation id is the command's, non-empty,
     *     with the same endpoint): no record; the answer is the current epoch and fenced state;
     * <li>a request that arrived before another incarnation's registration was committed (its
     *     {@code received_at_offset} is below that registration's epoch): refused with
     *     STALE_BROKER_EPOCH. Its process is either gone (the committed registration replaced it)
     *     or retries, and a retry arrives after that registration and passes.
     * </ul>
     */
    static CommandOutcome register(MetadataImage image, RegisterBrokerCommand command, long offset) {
        String item = itemName(command.getBrokerId());
        Optional<Error> error = StatelessChecks.registerBroker(command);
        if (error.isPresent()) {
            return rejection(item, error.get(), offset);
        }
        Optional<BrokerRegistration> existing = image.broker(command.getBrokerId());
        if (existing.isPresent() && isRetryOf(command, existing.get())) {
            return new CommandOutcome(List.of(), registered(item, offset, existing.get().epoch(), existing.get().fenced()));
        }
        if (existing.isPresent() && command.hasReceivedAtOffset()
                && existing.get().epoch() > command.getReceivedAtOffset()) {
            return rejection(item, Errors.of(ErrorCode.STALE_BROKER_EPOCH, "broker " + command.getBrokerId()
                    + " was registered with epoch " + existing.get().epoch() + " by another process (incarnation '"
                    + existing.get().incarnationId() + "') after this request (incarnation '"
                    + command.getIncarnationId() + "') reached the controller at offset "
                    + command.getReceivedAtOffset() + "; a running broker registers again"), offset);
        }
        List<MetadataRecord> records = new ArrayList<>();
        if (existing.isPresent()) {
            records.addAll(LeadershipChanges.removeBroker(image, command.getBrokerId()));
        }
        records.add(MetadataRecord.newBuilder()
                .setRegisterBroker(RegisterBrokerRecord.newBuilder()
                        .setBrokerId(command.getBrokerId())
                        .setBrokerEpoch(offset)
                        .setHost(command.getHost())
                        .setPort(command.getPort())
                        .setRack(command.getRack())
                        .setIncarnationId(command.getIncarnationId()))
                .build());
        return new CommandOutcome(records, registered(item, offset, offset, true));
    }

    /** True when {@code command} comes from the broker process that holds {@code registration}. */
    private static boolean isRetryOf(RegisterBrokerCommand command, BrokerRegistration registration) {
        return !command.getIncarnationId().isEmpty()
                && command.getIncarnationId().equals(registration.incarnationId())
                && command.getHost().equals(registration.host())
                && command.getPort() == registration.port()
                && command.getRack().equals(registration.rack());
    }

    private static CommandResult registered(String item, long offset, long epoch, boolean fenced) {
        return CommandResult.newBuilder().setOffset(offset).addItems(Errors.ok(item))
                .setBrokerEpoch(epoch).setBrokerFenced(fenced).build();
    }

    /**
     * Fences an active broker, moving its leaderships and taking it out of ISRs; a no-op when already
     * fenced. A controlled shutdown also marks the registration shut down (even when it was fenced
     * already), so that it is never unfenced again: only a new registration serves.
     */
    static CommandOutcome fence(MetadataImage image, int brokerId, long brokerEpoch, boolean controlledShutdown,
                                long offset) {
        String item = itemName(brokerId);
        Optional<Error> error = registrationError(image, brokerId, brokerEpoch);
        if (error.isPresent()) {
            return rejection(item, error.get(), offset);
        }
        List<MetadataRecord> records = new ArrayList<>();
        BrokerRegistration broker = image.brokers().get(brokerId);
        if (!broker.fenced() || (controlledShutdown && !broker.shutDown())) {
            records.add(MetadataRecord.newBuilder()
                    .setFenceBroker(FenceBrokerRecord.newBuilder().setBrokerId(brokerId).setBrokerEpoch(brokerEpoch)
                            .setControlledShutdown(controlledShutdown))
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
        if (image.brokers().get(brokerId).shutDown()) {
            return rejection(item, Errors.of(ErrorCode.STALE_BROKER_EPOCH, "broker " + brokerId
                    + " completed a controlled shutdown at epoch " + brokerEpoch + "; register again"), offset);
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
