package io.wharf.broker;

/**
 * No controller answered a call within its bounded retries (every one tried was down or timed out).
 */
public final class ControllerUnavailableException extends Exception {

    public ControllerUnavailableException(String message, Throwable lastFailure) {
        super(message, lastFailure);
    }
}
