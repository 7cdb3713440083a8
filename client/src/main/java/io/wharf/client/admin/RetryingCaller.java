package io.wharf.client.admin;

import io.grpc.ConnectivityState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.wharf.client.Endpoint;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.ControllerServiceGrpc;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an {@link Attempt} against the controllers until it finishes: a retriable failure moves to
 * the controller a redirect names, else to the next known one, after a short backoff; each try has
 * its own deadline and the whole call a total one. Thread-safe (calls share only the channels).
 */
final class RetryingCaller {

    /**
     * Made on the first failed attempt: a call answered at once then never starts the logging
     * framework, which took a tenth of a short CLI call.
     */
    private static final class FailedAttempts {
        static final Logger LOG = LoggerFactory.getLogger(RetryingCaller.class);
    }

    private final ControllerChannels channels;
    private final AdminClientConfig config;

    RetryingCaller(ControllerChannels channels, AdminClientConfig config) {
        this.channels = channels;
        this.config = config;
    }

    <T> T call(String operation, Attempt<T> attempt) {
        long startNanos = System.nanoTime();
        long deadlineNanos = startNanos + config.totalTimeout().toNanos();
        Endpoint target = channels.preferred();
        int attempts = 0;
        Failure last = null;
        while (true) {
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0 && last != null) {
                throw new AdminException(last.code, operation + " did not succeed within "
                        + config.totalTimeout().toMillis() + " ms (" + attempts + " attempts); last error from "
                        + last.from + ": " + last.code + ": " + last.message);
            }
            attempts++;
            long attemptNanos = Math.min(config.attemptTimeout().toNanos(), Math.max(remaining, 1));
            long attemptStart = System.nanoTime();
            Endpoint next;
            boolean redirected = false;
            try {
                Attempt.Outcome<T> outcome = attempt.run(ControllerServiceGrpc.newBlockingStub(channels.channel(target))
                        .withDeadlineAfter(attemptNanos, TimeUnit.NANOSECONDS));
                if (outcome instanceof Attempt.Done<T> done) {
                    channels.markPreferred(target);
                    return done.value();
                }
                Attempt.Retry<T> retry = (Attempt.Retry<T>) outcome;
                last = new Failure(target, retry.code(), retry.message());
                Endpoint leader = leaderHint(retry.leaderEndpoint());
                redirected = leader != null && !leader.equals(target);
                next = redirected ? channels.learn(leader) : channels.after(target);
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (!RetriableErrors.isRetriable(code)) {
                    throw new AdminException(errorCodeOf(code), operation + " failed at " + target + ": "
                            + code + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription()), e);
                }
                boolean cutShortByTotal = code == Status.Code.DEADLINE_EXCEEDED
                        && attemptNanos < config.attemptTimeout().toNanos();
                if (!(cutShortByTotal && last != null)) {
                    // An attempt cut short by the call's own deadline says nothing new; the error before it does.
                    // A deadline that passed before the channel ever connected means no controller
                    // answered there (a refused connection is retried until then): unavailable, not slow.
                    boolean timedOutConnected = code == Status.Code.DEADLINE_EXCEEDED
                            && channels.channel(target).getState(false) == ConnectivityState.READY;
                    last = new Failure(target, timedOutConnected ? ErrorCode.REQUEST_TIMED_OUT
                            : ErrorCode.CONTROLLER_UNAVAILABLE, describe(e.getStatus()));
                }
                if (code == Status.Code.UNAVAILABLE) {
                    channels.reconnectPromptly(target);
                }
                next = channels.after(target);
            }
            if (FailedAttempts.LOG.isDebugEnabled()) {
                FailedAttempts.LOG.debug("{} attempt {} at {} failed after {} ms ({} ms into the call): {}: {}; next {}", operation, attempts,
                        target, (System.nanoTime() - attemptStart) / 1_000_000, (System.nanoTime() - startNanos) / 1_000_000,
                        last.code, last.message, next);
            }
            if (!redirected) {
                pause(config.retryBackoff(), deadlineNanos, operation);
            }
            target = next;
        }
    }

    private static Endpoint leaderHint(String leaderEndpoint) {
        if (leaderEndpoint == null || leaderEndpoint.isBlank()) {
            return null;
        }
        try {
            return Endpoint.parse(leaderEndpoint);
        } catch (IllegalArgumentException e) {
            // A malformed hint only costs the redirect: the caller falls back to the next known controller.
            return null;
        }
    }

    private static void pause(Duration backoff, long deadlineNanos, String operation) {
        long nanos = Math.min(backoff.toNanos(), deadlineNanos - System.nanoTime());
        if (nanos <= 0) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminException(ErrorCode.REQUEST_TIMED_OUT, operation + " was interrupted while retrying", e);
        }
    }

    private static ErrorCode errorCodeOf(Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, UNIMPLEMENTED, OUT_OF_RANGE, FAILED_PRECONDITION -> ErrorCode.INVALID_REQUEST;
            default -> ErrorCode.UNKNOWN_SERVER_ERROR;
        };
    }

    private static String describe(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")");
    }

    private record Failure(Endpoint from, ErrorCode code, String message) {
    }
}
