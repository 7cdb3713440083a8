package io.wharf.controller;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.ItemResult;
import java.util.Optional;
import java.util.concurrent.CompletionException;

/** Builds the {@link Error}s the ControllerService answers with. Stateless. */
final class WireErrors {

    private static final Error NONE = Error.newBuilder().setCode(ErrorCode.NONE).setLeaderId(-1).build();

    private WireErrors() {
    }

    static Error none() {
        return NONE;
    }

    static Error of(ErrorCode code, String message) {
        return Error.newBuilder().setCode(code).setMessage(message).setLeaderId(-1).build();
    }

    /** NOT_CONTROLLER pointing at the leader's ControllerService when it is known. */
    static Error notController(int selfId, Optional<QuorumVoter> leader) {
        return leader.map(voter -> Error.newBuilder()
                        .setCode(ErrorCode.NOT_CONTROLLER)
                        .setMessage("controller " + selfId + " is not the active controller; send this to controller "
                                + voter.id() + " at " + voter.rpcAddress())
                        .setLeaderId(voter.id())
                        .setLeaderEndpoint(voter.rpcAddress())
                        .build())
                .orElseGet(() -> Error.newBuilder()
                        .setCode(ErrorCode.NOT_CONTROLLER)
                        .setMessage("controller " + selfId + " is not the active controller and knows no leader"
                                + " (an election is under way); retry shortly")
                        .setLeaderId(-1)
                        .build());
    }

    /** The item's error, or NONE when it succeeded. */
    static Error of(ItemResult item) {
        return item.hasError() ? item.getError() : NONE;
    }

    /** The first error among a command's items, or NONE. */
    static Error firstError(CommandResult result) {
        for (ItemResult item : result.getItemsList()) {
            if (item.hasError() && item.getError().getCode() != ErrorCode.NONE) {
                return item.getError();
            }
        }
        return NONE;
    }

    /** The error to answer for a request that failed before or while reaching the quorum. */
    static Error of(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof QuorumException quorumFailure) {
            return of(quorumFailure.code(), quorumFailure.getMessage());
        }
        return of(ErrorCode.UNKNOWN_SERVER_ERROR, "the controller failed to handle the request: " + cause);
    }
}
