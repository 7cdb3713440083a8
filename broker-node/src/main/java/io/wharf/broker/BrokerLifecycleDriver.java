package io.wharf.broker;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.BrokerHeartbeatRequest;
import io.wharf.proto.controller.BrokerHeartbeatResponse;
import io.wharf.proto.controller.ControlledShutdownRequest;
import io.wharf.proto.controller.ControlledShutdownResponse;
import io.wharf.proto.controller.RegisterBrokerRequest;
import io.wharf.proto.controller.RegisterBrokerResponse;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link BrokerLifecycle} against the controllers: sends what it asks for, feeds the
 * answers back, and sleeps until it wants to act again. Every lifecycle step runs on the node's
 * single scheduler thread; calls are blocking with short deadlines, so at most one request is in
 * flight. Its methods are thread-safe and hand work to that thread; only
 * {@link #shutDownControlled} waits for it.
 */
final class BrokerLifecycleDriver {

    private static final Logger log = LoggerFactory.getLogger(BrokerLifecycleDriver.class);

    private final int brokerId;
    private final RegisterBrokerRequest registration;
    private final ControllerChannels controllers;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier nowMs;
    private final LongSupplier metadataOffset;
    private final LongConsumer leaderMetadataOffset;
    private final Duration retryBackoff;
    private final BrokerLifecycle lifecycle;
    private final Consumer<Throwable> fatal;
    private final BooleanSupplier wantFence;

    // Written on the scheduler thread only; volatile so observers on any thread read them.
    private volatile BrokerLifecycle.State state = BrokerLifecycle.State.REGISTERING;
    private volatile long brokerEpoch = -1;
    private ScheduledFuture<?> nextTick;   // scheduler thread only
    private int failedRegistrations;       // scheduler thread only: failures since the last success
    private long lastRegisteredEpoch = -1; // scheduler thread only: the epoch the previous registration answered

    /**
     * @param registration what to register with (id, advertised endpoint, rack, and the incarnation
     *     id of this broker process, sent unchanged on every attempt so that the controllers treat
     *     a repeated registration as a retry, not a restart)
     * @param nowMs monotonic milliseconds
     * @param metadataOffset the offset of the broker's current image, reported in heartbeats
     * @param leaderMetadataOffset told the active controller's metadata offset from each answered heartbeat
     * @param fatal told, once, when this broker may not run at all: its id belongs to another live process
     * @param wantFence asked at each heartbeat, once the broker is {@linkplain #readyToServe() ready to
     *     serve}, whether it cannot serve after all (its log directory is full) and must be fenced
     */
    BrokerLifecycleDriver(RegisterBrokerRequest registration, ControllerChannels controllers,
                          ScheduledExecutorService scheduler, LongSupplier nowMs, LongSupplier metadataOffset,
                          LongConsumer leaderMetadataOffset, Duration heartbeatInterval, Duration retryBackoff,
                          Consumer<Throwable> fatal, BooleanSupplier wantFence) {
        this.brokerId = registration.getBrokerId();
        this.registration = registration;
        this.controllers = controllers;
        this.scheduler = scheduler;
        this.nowMs = nowMs;
        this.metadataOffset = metadataOffset;
        this.leaderMetadataOffset = leaderMetadataOffset;
        this.retryBackoff = retryBackoff;
        this.fatal = fatal;
        this.wantFence = wantFence;
        this.lifecycle = new BrokerLifecycle(heartbeatInterval.toMillis(), retryBackoff.toMillis());
    }

    BrokerLifecycle.State state() {
        return state;
    }

    /** The epoch of the current registration, -1 while (re)registering. */
    long brokerEpoch() {
        return brokerEpoch;
    }

    /** Starts registering; heartbeats ask to stay fenced until {@link #readyToServe()}. */
    void start() {
        submit(this::tick);
    }

    /**
     * The broker serves clients now: its heartbeats stop asking to stay fenced, and one goes out at
     * once if its metadata is caught up (see lifecycle).
     */
    void readyToServe() {
        submit(() -> {
            lifecycle.onReadyToServe(nowMs.getAsLong());
            tick();
        });
    }

    /** The broker's image reached {@code offset}; may bring the next heartbeat forward (see lifecycle). */
    void metadataAdvanced(long offset) {
        submit(() -> {
            lifecycle.onMetadataAdvanced(offset, nowMs.getAsLong());
            tick();
        });
    }

    /**
     * Stops heartbeating and asks the controllers to move this broker's leaderships away and
     * fence it, retrying until {@code timeout} has passed; returns when they confirmed, refused, or
     * the time ran out. Never fails: when it cannot finish, it logs and the broker stops anyway.
     */
    void shutDownControlled(Duration timeout) {
        // A heartbeat in flight may hold the scheduler thread for its own bounded retries first.
        long attemptsMs = controllers.longestCall().toMillis();
        try {
            shutdown(timeout).get(timeout.toMillis() + attemptsMs + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("Broker {} controlled shutdown did not finish in time; stopping anyway", brokerId);
        } catch (ExecutionException e) {
            log.warn("Broker {} controlled shutdown failed; stopping anyway", brokerId, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("Broker {} interrupted during controlled shutdown; stopping anyway", brokerId);
        }
    }

    /** The controlled shutdown on the scheduler thread: completes when it is over. */
    private CompletableFuture<Void> shutdown(Duration timeout) {
        long deadlineMs = nowMs.getAsLong() + timeout.toMillis();
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            scheduler.execute(() -> {
                try {
                    cancelNextTick();
                    OptionalLong epoch = lifecycle.beginShutdown();
                    observe();
                    if (epoch.isPresent()) {
                        controlledShutdown(epoch.getAsLong(), deadlineMs);
                    } else {
                        log.info("Broker {} holds no registration; stopping without controlled shutdown", brokerId);
                    }
                } finally {
                    lifecycle.onShutdownFinished();
                    observe();
                    done.complete(null);
                }
            });
        } catch (RejectedExecutionException e) {
            done.complete(null);
        }
        return done;
    }

    private void tick() {
        while (true) {
            BrokerLifecycle.Action action = lifecycle.poll(nowMs.getAsLong());
            if (action instanceof BrokerLifecycle.Register) {
                register();
            } else if (action instanceof BrokerLifecycle.Heartbeat heartbeat) {
                heartbeat(heartbeat.brokerEpoch());
            } else if (action instanceof BrokerLifecycle.Wait wait) {
                cancelNextTick();
                nextTick = schedule(this::tick, wait.delayMs());
                return;
            } else {
                return;
            }
        }
    }

    private void register() {
        RegisterBrokerResponse response;
        try {
            response = controllers.call(ControllerChannels.Target.ANY,
                    stub -> stub.registerBroker(registration), RegisterBrokerResponse::getError);
        } catch (ControllerUnavailableException e) {
            registrationFailed(e.getMessage());
            return;
        }
        if (response.getError().getCode() == ErrorCode.DUPLICATE_BROKER_ID) {
            lifecycle.onDuplicateBrokerId();
            observe();
            fatal.accept(new DuplicateBrokerIdException(brokerId, registration.getIncarnationId(),
                    response.getError().getMessage()));
            return;
        }
        if (response.getError().getCode() != ErrorCode.NONE) {
            registrationFailed("refused: " + describe(response.getError()));
            return;
        }
        failedRegistrations = 0;
        long epoch = response.getBrokerEpoch();
        lifecycle.onRegistered(epoch, response.getFenced(), nowMs.getAsLong());
        observe();
        if (lastRegisteredEpoch < 0) {
            log.info("Broker {} registered as {}:{} (incarnation {}) with epoch {}; {}", brokerId,
                    registration.getHost(), registration.getPort(), registration.getIncarnationId(), epoch,
                    response.getFenced() ? "fenced until its metadata reaches offset " + epoch : "active");
        } else if (epoch == lastRegisteredEpoch) {
            log.info("Broker {} registered again and kept epoch {}: the controllers know this incarnation ({})",
                    brokerId, epoch, response.getFenced() ? "fenced" : "active");
        } else if (epoch > lastRegisteredEpoch) {
            log.info("Broker {} registered again with epoch {}, replacing epoch {} (another registration of this "
                    + "broker id came in between); fenced until its metadata reaches offset {}", brokerId, epoch,
                    lastRegisteredEpoch, epoch);
        } else {
            // A committed log cannot hand out an older epoch; the heartbeat at once lets the active
            // controller refuse it (then this broker registers again) if it is not current.
            log.warn("Broker {} registered again but the controllers answered epoch {}, older than its previous "
                    + "epoch {}; using it and letting the next heartbeat confirm it", brokerId, epoch,
                    lastRegisteredEpoch);
        }
        lastRegisteredEpoch = epoch;
    }

    /** Warns on the first failure of a run only: retries come every backoff while controllers are down. */
    private void registrationFailed(String why) {
        failedRegistrations++;
        if (failedRegistrations == 1) {
            log.warn("Broker {} could not register ({}); retrying every {} ms", brokerId, why, retryBackoff.toMillis());
        } else {
            log.debug("Broker {} could not register, attempt {} ({})", brokerId, failedRegistrations, why);
        }
        lifecycle.onRegistrationFailed(nowMs.getAsLong());
    }

    private void heartbeat(long epoch) {
        BrokerHeartbeatRequest request = BrokerHeartbeatRequest.newBuilder()
                .setBrokerId(brokerId)
                .setBrokerEpoch(epoch)
                .setMetadataOffset(metadataOffset.getAsLong())
                .setWantFence(!lifecycle.readyToServe() || wantFence.getAsBoolean())
                .build();
        BrokerHeartbeatResponse response;
        try {
            response = controllers.call(ControllerChannels.Target.LEADER,
                    stub -> stub.brokerHeartbeat(request), BrokerHeartbeatResponse::getError);
        } catch (ControllerUnavailableException e) {
            log.debug("Broker {} heartbeat got no answer: {}", brokerId, e.getMessage());
            lifecycle.onHeartbeatFailed(nowMs.getAsLong());
            return;
        }
        BrokerLifecycle.State before = lifecycle.state();
        ErrorCode code = response.getError().getCode();
        if (code == ErrorCode.NONE) {
            lifecycle.onHeartbeatAnswered(response.getFenced(), nowMs.getAsLong());
            leaderMetadataOffset.accept(response.getLeaderMetadataOffset());
        } else {
            lifecycle.onHeartbeatRejected(code, nowMs.getAsLong());
            if (lifecycle.state() == BrokerLifecycle.State.REGISTERING) {
                log.info("Broker {} epoch {} is no longer valid ({}); registering again", brokerId, epoch,
                        describe(response.getError()));
            } else {
                log.debug("Broker {} heartbeat rejected: {}", brokerId, describe(response.getError()));
            }
        }
        observe();
        BrokerLifecycle.State after = lifecycle.state();
        if (before != after && after == BrokerLifecycle.State.ACTIVE) {
            log.info("Broker {} is active (unfenced) with epoch {}", brokerId, epoch);
        } else if (before == BrokerLifecycle.State.ACTIVE && after == BrokerLifecycle.State.FENCED) {
            log.info("Broker {} was fenced by the controller (epoch {})", brokerId, epoch);
        }
    }

    private void controlledShutdown(long epoch, long deadlineMs) {
        ControlledShutdownRequest request = ControlledShutdownRequest.newBuilder()
                .setBrokerId(brokerId)
                .setBrokerEpoch(epoch)
                .build();
        log.info("Broker {} requesting controlled shutdown (epoch {})", brokerId, epoch);
        while (true) {
            long remainingMs = deadlineMs - nowMs.getAsLong();
            if (remainingMs <= 0) {
                log.warn("Broker {} controlled shutdown timed out; stopping anyway (the controller will fence it "
                        + "when its session expires)", brokerId);
                return;
            }
            try {
                ControlledShutdownResponse response = controllers.call(ControllerChannels.Target.ANY,
                        stub -> stub.controlledShutdown(request), ControlledShutdownResponse::getError,
                        Duration.ofMillis(Math.min(remainingMs, controllers.requestTimeout().toMillis())));
                ErrorCode code = response.getError().getCode();
                if (code == ErrorCode.NONE) {
                    log.info("Broker {} controlled shutdown done: leaderships moved, broker fenced", brokerId);
                    return;
                }
                if (code == ErrorCode.STALE_BROKER_EPOCH || code == ErrorCode.UNKNOWN_BROKER) {
                    log.info("Broker {} is already fenced or replaced ({}); nothing to hand over", brokerId,
                            describe(response.getError()));
                    return;
                }
                if (!isRetriable(code)) {
                    log.warn("Broker {} controlled shutdown refused: {}; stopping anyway", brokerId,
                            describe(response.getError()));
                    return;
                }
                log.debug("Broker {} controlled shutdown not done yet: {}", brokerId, describe(response.getError()));
            } catch (ControllerUnavailableException e) {
                log.debug("Broker {} controlled shutdown got no answer: {}", brokerId, e.getMessage());
            }
            if (!pause(Math.min(retryBackoff.toMillis(), deadlineMs - nowMs.getAsLong()))) {
                log.warn("Broker {} controlled shutdown interrupted; stopping anyway", brokerId);
                return;
            }
        }
    }

    private static boolean isRetriable(ErrorCode code) {
        return code == ErrorCode.NOT_CONTROLLER || code == ErrorCode.CONTROLLER_UNAVAILABLE
                || code == ErrorCode.REQUEST_TIMED_OUT;
    }

    /** Waits before the next controlled-shutdown attempt; false when interrupted. */
    private static boolean pause(long millis) {
        if (millis <= 0) {
            return true;
        }
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void observe() {
        state = lifecycle.state();
        brokerEpoch = lifecycle.brokerEpoch();
    }

    private void cancelNextTick() {
        if (nextTick != null) {
            nextTick.cancel(false);
            nextTick = null;
        }
    }

    private void submit(Runnable step) {
        try {
            scheduler.execute(step);
        } catch (RejectedExecutionException e) {
            log.debug("Broker {} lifecycle step dropped: the node is stopping", brokerId);
        }
    }

    private ScheduledFuture<?> schedule(Runnable step, long delayMs) {
        try {
            return scheduler.schedule(step, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    private static String describe(Error error) {
        return error.getCode() + (error.getMessage().isEmpty() ? "" : " (" + error.getMessage() + ")");
    }
}
