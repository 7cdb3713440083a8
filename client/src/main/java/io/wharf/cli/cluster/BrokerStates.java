package io.wharf.cli.cluster;

import io.wharf.proto.common.BrokerState;

/** The lower-case words the CLI shows for broker states ("active", "fenced"). Stateless. */
public final class BrokerStates {

    private BrokerStates() {
    }

    public static String name(BrokerState state) {
        return switch (state) {
            case ACTIVE -> "active";
            case FENCED -> "fenced";
            default -> "unknown";
        };
    }
}
