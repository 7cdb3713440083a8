package io.wharf.controller;

import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.FenceBrokerCommand;
import io.wharf.proto.metadata.ItemResult;
import io.wharf.proto.metadata.UnfenceBrokerCommand;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What only the active controller does, from {@code notifyLeaderReady} until it stops leading:
 * tracks broker sessions, fences brokers whose session expired, unfences brokers that caught up,
 * and (unless disabled) rebalances leaderships to preferred replicas ({@link LeaderRebalance}) and
 * fences brokers whose process is seen gone before their session expires ({@link BrokerCrashDetector}),
 * and judges registrations of a broker id another process holds ({@link DuplicateBrokerCheck}).
 * Thread-safe: heartbeats arrive on gRPC threads and the expiry check runs on the one scheduler
 * thread this object owns (started by {@link #start}, stopped by {@link #close}); both take this
 * object's lock around {@link BrokerLiveness}. The crash detector's reports arrive on its own
 * thread and take the same lock.
 */
final class LeaderDuties implements AutoCloseable {

    /** What a heartbeat told the broker. */
    enum HeartbeatVerdict { ACTIVE, FENCED, STALE_EPOCH }

    private static final Logger LOG = LoggerFactory.getLogger(LeaderDuties.class);

    private final int nodeId;
    private final AppliedMetadata applied;
    private final Function<ControllerCommand, CompletableFuture<CommandResult>> submit;
    private final LongSupplier clockMs;
    /** The Raft term this controller leads in; its fences are valid in that term only. */
    private final long term;
    private final long checkIntervalMs;
    private final BrokerLiveness liveness;
    private final DuplicateBrokerCheck duplicates = new DuplicateBrokerCheck();
    private final Set<Integer> fencing = new HashSet<>();
    private final Set<Integer> unfencing = new HashSet<>();
    private final ScheduledExecutorService scheduler;
    private final LeaderRebalance rebalance;
    private final long rebalanceIntervalMs;
    private final BrokerCrashDetector crashDetector;
    private boolean closed;

    /**
     * @param submit  commits a command through the quorum
     * @param clockMs a monotonic clock in milliseconds
     * @param term    the Raft term this controller became active in
     */
    LeaderDuties(ControllerConfig config, AppliedMetadata applied,
            Function<ControllerCommand, CompletableFuture<CommandResult>> submit, LongSupplier clockMs, long term) {
        this.nodeId = config.nodeId();
        this.applied = applied;
        this.submit = submit;
        this.clockMs = clockMs;
        this.term = term;
        this.checkIntervalMs = config.livenessCheckIntervalMs();
        this.liveness = new BrokerLiveness(config.brokerSessionTimeoutMs());
        this.rebalance = config.autoLeaderRebalance()
                ? new LeaderRebalance(nodeId, applied, submit, config.leaderImbalanceRatio()) : null;
        this.rebalanceIntervalMs = config.leaderImbalanceCheckIntervalMs();
        this.crashDetector = config.brokerCrashDetection()
                ? new BrokerCrashDetector(nodeId, applied, this::brokerGone) : null;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "wharf-controller-" + nodeId + "-liveness");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Gives every registered broker a fresh session and starts the expiry check. */
    void start() {
        synchronized (this) {
            grantSessions(applied.image(), clockMs.getAsLong());
        }
        scheduler.scheduleWithFixedDelay(this::checkSessions, checkIntervalMs, checkIntervalMs, TimeUnit.MILLISECONDS);
        if (rebalance != null) {
            scheduler.scheduleWithFixedDelay(this::checkBalance, rebalanceIntervalMs, rebalanceIntervalMs,
                    TimeUnit.MILLISECONDS);
        }
        if (crashDetector != null) {
            crashDetector.start();
        }
        LOG.info("Controller {} is active: tracking broker sessions{}", nodeId,
                crashDetector != null ? " and watching broker processes" : "");
    }

    /**
     * Records a heartbeat. A fenced broker that has applied metadata up to its own registration is
     * unfenced (asynchronously, one command at a time per broker) unless it completed a controlled
     * shutdown at this epoch or it wants to be fenced. A broker that wants to be fenced (its log
     * directory is full) and is active is fenced, as after a session expiry. Commands are submitted
     * after this object's lock is released: submitting may block inside Ratis, and {@link #close}
     * must never wait behind it.
     */
    HeartbeatVerdict heartbeat(int brokerId, long epoch, long metadataOffset, boolean wantFence) {
        synchronized (this) {
            BrokerRegistration registration = applied.image().brokers().get(brokerId);
            if (registration == null || registration.epoch() != epoch) {
                return HeartbeatVerdict.STALE_EPOCH;
            }
            liveness.heartbeat(brokerId, epoch, clockMs.getAsLong());
            if (wantFence && (registration.fenced() || closed || !fencing.add(brokerId))) {
                return HeartbeatVerdict.FENCED;  // fenced already, or being fenced: stays so while it asks
            }
            if (!wantFence && !registration.fenced()) {
                return HeartbeatVerdict.ACTIVE;
            }
            if (!wantFence && (metadataOffset < epoch || registration.shutDown() || closed
                    || !unfencing.add(brokerId))) {
                return HeartbeatVerdict.FENCED;
            }
        }
        if (wantFence) {
            fence(brokerId, epoch, "asked to be fenced (it cannot serve: its log directory is full)");
            return HeartbeatVerdict.FENCED;
        }
        ControllerCommand unfence = ControllerCommand.newBuilder().setUnfenceBroker(
                UnfenceBrokerCommand.newBuilder().setBrokerId(brokerId).setBrokerEpoch(epoch)).build();
        submit.apply(unfence).whenComplete((result, failure) -> {
            report("unfence", brokerId, epoch, result, failure);
            synchronized (this) {
                unfencing.remove(brokerId);
            }
        });
        return HeartbeatVerdict.FENCED;
    }

    /**
     * Whether a process with {@code incarnationId} may register {@code brokerId} now, given the
     * current registration of that id and its session here (see {@link DuplicateBrokerCheck}).
     */
    synchronized DuplicateBrokerCheck.Verdict judgeRegistration(int brokerId, String incarnationId) {
        MetadataImage image = applied.image();
        long now = clockMs.getAsLong();
        // A holder registered since the last session check has no session yet; it gets a fresh one
        // rather than counting as ended.
        grantSessions(image, now);
        Optional<BrokerRegistration> current = image.broker(brokerId);
        long epoch = current.map(BrokerRegistration::epoch).orElse(-1L);
        return duplicates.judge(current, incarnationId, liveness.ended(brokerId, epoch, now),
                liveness.lastHeartbeatMs(brokerId, epoch), now);
    }

    /** Milliseconds since {@code brokerId} last heartbeated to this controller, -1 when unknown. */
    synchronized long msSinceHeartbeat(int brokerId) {
        OptionalLong since = liveness.msSinceHeartbeat(brokerId, clockMs.getAsLong());
        return since.orElse(-1);
    }

    private void checkSessions() {
        try {
            List<BrokerLiveness.ExpiredSession> toFence = new ArrayList<>();
            synchronized (this) {
                if (closed) {
                    return;
                }
                MetadataImage image = applied.image();
                long now = clockMs.getAsLong();
                grantSessions(image, now);
                if (liveness.restartIfStalled(now)) {
                    LOG.warn("Controller {}: its broker session check did not run for more than half a session "
                            + "(this process was paused or starved); every broker session restarts now instead of "
                            + "expiring", nodeId);
                }
                for (BrokerLiveness.ExpiredSession expired : liveness.expired(now)) {
                    BrokerRegistration registration = image.brokers().get(expired.brokerId());
                    if (registration != null && !registration.fenced() && registration.epoch() == expired.epoch()
                            && fencing.add(expired.brokerId())) {
                        toFence.add(expired);
                    }
                }
            }
            // Outside the lock, like heartbeat(): submitting may block inside Ratis.
            toFence.forEach(expired -> fence(expired.brokerId(), expired.epoch(), "missed its session timeout"));
        } catch (RuntimeException e) {
            // Keep checking: one bad round must not end fencing for the rest of this term.
            LOG.error("Controller {}: broker session check failed", nodeId, e);
        }
    }

    private void checkBalance() {
        try {
            rebalance.check();
        } catch (RuntimeException e) {
            // a failed check must not cancel the schedule; the next one starts from the new image
            LOG.error("Controller {}: the leader balance check failed", nodeId, e);
        }
    }

    /** Brokers registered through any controller, or known before this one led, get a session now. */
    private void grantSessions(MetadataImage image, long now) {
        for (BrokerRegistration registration : image.brokers().values()) {
            liveness.ensureSession(registration.id(), registration.epoch(), now);
        }
    }

    /**
     * The crash detector saw broker {@code brokerId}'s process at {@code epoch} gone: fences it now,
     * through the same command and bookkeeping as a session expiry, when that registration is still
     * the current one and active ({@link BrokerCrashRules#shouldFence}) and no fence of it is under way.
     *
     * @return true when a fence was submitted
     */
    boolean brokerGone(int brokerId, long epoch) {
        synchronized (this) {
            if (closed) {
                return false;
            }
            // Its session is over even before the fence commits: a restarted process may register.
            liveness.markGone(brokerId, epoch);
            if (!BrokerCrashRules.shouldFence(applied.image(), brokerId, epoch) || !fencing.add(brokerId)) {
                return false;
            }
        }
        // Outside the lock, like heartbeat(): submitting may block inside Ratis.
        fence(brokerId, epoch, "is gone (connection closed, reconnect refused)");
        return true;
    }

    /** The brokers (id to epoch) the crash detector holds a connection to; empty when it is off. */
    Map<Integer, Long> crashWatchedBrokers() {
        return crashDetector == null ? Map.of() : crashDetector.connectedBrokers();
    }

    private void fence(int brokerId, long epoch, String why) {
        LOG.info("Controller {}: broker {} (epoch {}) {}; fencing it", nodeId, brokerId, epoch, why);
        // Stamped with this leadership's term: should it end before the fence commits (a pause, a
        // partition), the fence is rejected rather than applied by the next leader's log.
        ControllerCommand command = ControllerCommand.newBuilder().setFenceBroker(FenceBrokerCommand.newBuilder()
                .setBrokerId(brokerId).setBrokerEpoch(epoch).setDecidedInTerm(term)).build();
        submit.apply(command).whenComplete((result, failure) -> {
            report("fence", brokerId, epoch, result, failure);
            synchronized (this) {
                fencing.remove(brokerId);
            }
        });
    }

    private void report(String action, int brokerId, long epoch, CommandResult result, Throwable failure) {
        if (failure != null) {
            LOG.warn("Controller {}: could not {} broker {} (epoch {}); will retry: {}", nodeId, action, brokerId,
                    epoch, failure.toString());
            return;
        }
        for (ItemResult item : result.getItemsList()) {
            if (item.hasError() && item.getError().getCodeValue() != 0) {
                LOG.info("Controller {}: {} of broker {} (epoch {}) was rejected: {} {}", nodeId, action, brokerId,
                        epoch, item.getError().getCode(), item.getError().getMessage());
                return;
            }
        }
        LOG.info("Controller {}: {}d broker {} (epoch {}) at offset {}", nodeId, action, brokerId, epoch,
                result.getOffset());
    }

    /** Stops the crash detector and the expiry check, and waits for a running check to finish. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        if (crashDetector != null) {
            crashDetector.close();
        }
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("Controller {}: liveness thread did not stop within 5 s", nodeId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("Controller {} is no longer active: stopped tracking broker sessions", nodeId);
    }
}
