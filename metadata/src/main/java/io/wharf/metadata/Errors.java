package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.ItemResult;

/** Builds the wire errors and item results the metadata model answers with. Stateless. */
final class Errors {

    private Errors() {
    }

    static Error of(ErrorCode code, String message) {
        return Error.newBuilder().setCode(code).setMessage(message).setLeaderId(-1).build();
    }

    static ItemResult ok(String item) {
        return ItemResult.newBuilder().setName(item).build();
    }

    static ItemResult failed(String item, Error error) {
        return ItemResult.newBuilder().setName(item).setError(error).build();
    }

    static ItemResult failed(String item, ErrorCode code, String message) {
        return failed(item, of(code, message));
    }
}
