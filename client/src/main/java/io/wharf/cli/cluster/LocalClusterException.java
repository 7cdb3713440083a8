package io.wharf.cli.cluster;

/** A local-cluster operation that could not be done; the message says why and what to do. Immutable. */
public final class LocalClusterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LocalClusterException(String message) {
        super(message);
    }

    public LocalClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
