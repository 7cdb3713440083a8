package io.wharf.broker;

/**
 * This broker process may not run: the controllers refused its registration with
 * DUPLICATE_BROKER_ID because another live process holds its broker id (two processes were started
 * with the same {@code node.id}). The node stops with this as its {@link BrokerNode#failure()};
 * the other process keeps its registration.
 */
public final class DuplicateBrokerIdException extends RuntimeException {

    private final int brokerId;

    public DuplicateBrokerIdException(int brokerId, String incarnationId, String controllerMessage) {
        super("broker " + brokerId + " (incarnation " + incarnationId + ") may not register: " + controllerMessage);
        this.brokerId = brokerId;
    }

    /** The broker id another process holds. */
    public int brokerId() {
        return brokerId;
    }
}
