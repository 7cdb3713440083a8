package io.wharf.broker.replica;

import io.wharf.broker.ControllerChannels;
import io.wharf.broker.ControllerUnavailableException;
import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.IsrProposal;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionRegistry;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.controller.AlterPartitionRequest;
import io.wharf.proto.controller.AlterPartitionResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Asks the controllers to shrink or expand the ISR of partitions this broker leads: every check
 * interval, each leader's {@link IsrProposal} (laggards out, caught-up followers in) goes out as
 * {@code AlterPartition} with the partition epoch it is based on; the controller's compare-and-set
 * answer, if accepted, is applied to the partition at once (the metadata brings it too). A
 * rejected proposal is not repeated unchanged for {@code retryBackoff}. Owns one thread.
 */
public final class IsrUpdater implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IsrUpdater.class);

    private record Failed(IsrProposal proposal, long atMs) {
    }

    private final int brokerId;
    private final PartitionRegistry registry;
    private final ControllerChannels controllers;
    private final LongSupplier brokerEpoch;
    private final Duration checkInterval;
    private final Duration retryBackoff;
    private final Clock clock;
    private final ScheduledExecutorService thread;
    private final Map<TopicPartition, Failed> failed = new HashMap<>();  // owned by the thread

    public IsrUpdater(int brokerId, PartitionRegistry registry, ControllerChannels controllers, LongSupplier brokerEpoch,
                      Duration checkInterval, Duration retryBackoff, Clock clock) {
        this.brokerId = brokerId;
        this.registry = registry;
        this.controllers = controllers;
        this.brokerEpoch = brokerEpoch;
        this.checkInterval = checkInterval;
        this.retryBackoff = retryBackoff;
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "broker-" + brokerId + "-isr");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        thread.scheduleWithFixedDelay(this::check, checkInterval.toMillis(), checkInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void check() {
        long now = clock.millis();
        for (Partition partition : registry.partitions()) {
            try {
                Optional<IsrProposal> proposal = partition.isrProposal();
                if (proposal.isEmpty()) {
                    failed.remove(partition.topicPartition());
                    continue;
                }
                Failed last = failed.get(partition.topicPartition());
                if (last != null && last.proposal().equals(proposal.get())
                        && now - last.atMs() < retryBackoff.toMillis()) {
                    continue;
                }
                boolean retry = last != null && last.proposal().equals(proposal.get());
                if (!propose(partition, proposal.get(), retry)) {
                    failed.put(partition.topicPartition(), new Failed(proposal.get(), now));
                }
            } catch (RuntimeException e) {
                log.error("Broker {} ISR check of {} failed", brokerId, partition.topicPartition(), e);
            }
        }
    }

    /** @param retry the same proposal failed before: a refusal is then logged at debug level only */
    private boolean propose(Partition partition, IsrProposal proposal, boolean retry) {
        TopicPartition tp = proposal.topicPartition();
        AlterPartitionRequest request = AlterPartitionRequest.newBuilder().setBrokerId(brokerId)
                .setBrokerEpoch(brokerEpoch.getAsLong()).setTopic(tp.topic()).setPartition(tp.partition())
                .setLeaderEpoch(proposal.leaderEpoch()).setPartitionEpoch(proposal.partitionEpoch())
                .addAllNewIsr(proposal.newIsr()).build();
        AlterPartitionResponse response;
        try {
            response = controllers.call(ControllerChannels.Target.ANY, stub -> stub.alterPartition(request),
                    AlterPartitionResponse::getError);
        } catch (ControllerUnavailableException e) {
            log.debug("Broker {} could not propose ISR {} for {}: {}", brokerId, proposal.newIsr(), tp, e.getMessage());
            return false;
        }
        if (response.getError().getCode() != ErrorCode.NONE) {
            // Refusals repeat every retry backoff until the metadata catches up (a fenced broker, a
            // stale partition epoch): the first one says why, the rest would only flood the log.
            log.atLevel(retry ? Level.DEBUG : Level.INFO).log(
                    "Broker {} proposal of ISR {} for {} (partition epoch {}) was refused: {} {}", brokerId,
                    proposal.newIsr(), tp, proposal.partitionEpoch(), response.getError().getCode(),
                    response.getError().getMessage());
            return false;
        }
        PartitionInfo info = response.getPartition();
        partition.onAssignmentUpdated(new PartitionState(info.getPartition(), info.getReplicasList(),
                info.getIsrList(), info.getLeader(), info.getLeaderEpoch(), info.getPartitionEpoch()));
        log.info("Broker {} changed the ISR of {} to {} (partition epoch {})", brokerId, tp, info.getIsrList(),
                info.getPartitionEpoch());
        return true;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("Broker {} ISR thread did not stop within 5 s", brokerId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
