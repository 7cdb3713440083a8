package io.wharf.cli;

/**
 * A command that could not do its job; the message is one line naming what to fix, the code a
 * wire error code name or a CLI word (e.g. {@code NO_CLUSTER}). Immutable.
 */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;

    public CliException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
