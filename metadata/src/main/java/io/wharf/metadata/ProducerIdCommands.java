package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.AllocateProducerIdsCommand;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.ProducerIdsRecord;
import java.util.List;
import java.util.Optional;

/**
 * Turns AllocateProducerIds into the record that hands a registered broker the next block of
 * producer ids (Kafka's KIP-730): ids come from one counter in the replicated image, so they are
 * unique in the cluster and survive controller failover. Stateless.
 */
final class ProducerIdCommands {

    /** Ids per block: enough that a broker asks rarely, few enough that a lost block wastes little. */
    static final int BLOCK_SIZE = 1000;

    private ProducerIdCommands() {
    }

    /** Answers {@code producer_id_start} = the image's next id and {@code producer_id_count} = {@value #BLOCK_SIZE}. */
    static CommandOutcome allocate(MetadataImage image, AllocateProducerIdsCommand command, long offset) {
        String item = BrokerCommands.itemName(command.getBrokerId());
        Optional<Error> error = BrokerCommands.registrationError(image, command.getBrokerId(), command.getBrokerEpoch());
        if (error.isPresent()) {
            return BrokerCommands.rejection(item, error.get(), offset);
        }
        long start = image.nextProducerId();
        if (start > Long.MAX_VALUE - BLOCK_SIZE) {
            return BrokerCommands.rejection(item, Errors.of(ErrorCode.UNKNOWN_SERVER_ERROR,
                    "the cluster has handed out every producer id (next would be " + start + ")"), offset);
        }
        MetadataRecord record = MetadataRecord.newBuilder().setProducerIds(ProducerIdsRecord.newBuilder()
                .setBrokerId(command.getBrokerId())
                .setBrokerEpoch(command.getBrokerEpoch())
                .setNextProducerId(start + BLOCK_SIZE)).build();
        CommandResult result = CommandResult.newBuilder()
                .setOffset(offset)
                .addItems(Errors.ok(item))
                .setProducerIdStart(start)
                .setProducerIdCount(BLOCK_SIZE)
                .build();
        return new CommandOutcome(List.of(record), result);
    }
}
