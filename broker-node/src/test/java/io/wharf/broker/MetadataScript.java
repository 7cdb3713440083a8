package io.wharf.broker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.metadata.CommandOutcome;
import io.wharf.metadata.CommandProcessor;
import io.wharf.metadata.MetadataImage;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.MetadataRecordBatch;
import io.wharf.proto.metadata.RegisterBrokerCommand;
import io.wharf.proto.metadata.UnfenceBrokerCommand;

/**
 * A metadata image built by running controller commands in order, as the quorum would, for
 * broker tests that need images without a quorum. Single-threaded.
 */
public final class MetadataScript {

    private MetadataImage image = MetadataImage.empty();
    private long offset;

    /** The image after every command so far. */
    public MetadataImage image() {
        return image;
    }

    /** Processes and applies {@code command}, which must succeed. */
    public CommandResult submit(ControllerCommand command) {
        offset++;
        CommandOutcome outcome = CommandProcessor.process(image, command, offset);
        assertTrue(!outcome.hasErrors(), () -> "rejected: " + outcome.result());
        image = image.apply(outcome.batch());
        return outcome.result();
    }

    /** Applies one record as its own batch, bypassing the commands (a change no command makes alone). */
    public void apply(MetadataRecord record) {
        image = image.apply(MetadataRecordBatch.newBuilder().setOffset(++offset).addRecords(record).build());
    }

    /** Registers broker {@code id} at 127.0.0.1:(9000 + id) and unfences it; returns its epoch. */
    public long activate(int id) {
        long epoch = submit(ControllerCommand.newBuilder().setRegisterBroker(RegisterBrokerCommand.newBuilder()
                .setBrokerId(id).setHost("127.0.0.1").setPort(9000 + id)).build()).getBrokerEpoch();
        submit(ControllerCommand.newBuilder().setUnfenceBroker(UnfenceBrokerCommand.newBuilder()
                .setBrokerId(id).setBrokerEpoch(epoch)).build());
        return epoch;
    }
}
