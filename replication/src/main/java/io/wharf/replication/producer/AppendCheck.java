package io.wharf.replication.producer;

import io.wharf.proto.common.ErrorCode;
import java.util.List;
import java.util.Objects;

/**
 * The verdict on a leader append's batches: accepted, where the first {@code duplicates().size()}
 * batches were already written (a producer's retry) and the rest are new; or rejected with a wire
 * error code and a message, when nothing may be appended. Immutable.
 */
public sealed interface AppendCheck {

    /** The first {@code duplicates.size()} batches are in the log already, at these offsets; write the rest. */
    record Accepted(List<SequencedBatch> duplicates) implements AppendCheck {
        public Accepted {
            duplicates = List.copyOf(duplicates);
        }
    }

    /** Nothing may be appended: OUT_OF_ORDER_SEQUENCE, INVALID_PRODUCER_EPOCH or INVALID_REQUEST. */
    record Rejected(ErrorCode code, String message) implements AppendCheck {
        public Rejected {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }
    }
}
