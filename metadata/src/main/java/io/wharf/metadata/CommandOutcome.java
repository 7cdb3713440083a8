package io.wharf.metadata;

import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.ItemResult;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.MetadataRecordBatch;
import java.util.List;
import java.util.Objects;

/**
 * What one command does: the records to apply (none for a rejection) and the answer for its
 * caller. Immutable.
 *
 * @param records the records, in the order they must be applied
 * @param result  the caller's answer; {@code result.getOffset()} is the command's offset
 */
public record CommandOutcome(List<MetadataRecord> records, CommandResult result) {

    public CommandOutcome {
        records = List.copyOf(records);
        Objects.requireNonNull(result, "result");
    }

    /** The records as the batch to apply at the command's offset. */
    public MetadataRecordBatch batch() {
        return MetadataRecordBatch.newBuilder().setOffset(result.getOffset()).addAllRecords(records).build();
    }

    /** True when some item of the result carries an error. */
    public boolean hasErrors() {
        for (ItemResult item : result.getItemsList()) {
            if (item.hasError() && item.getError().getCode() != ErrorCode.NONE) {
                return true;
            }
        }
        return false;
    }
}
