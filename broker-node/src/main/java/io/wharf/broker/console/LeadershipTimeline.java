package io.wharf.broker.console;

import io.wharf.broker.TopicPartition;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.TopicImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The leadership changes of every partition since this broker started, folded from its successive
 * metadata images: a pure value, {@link #observe} returns the next one. Immutable.
 *
 * <p>A partition whose leader is fenced loses and regains a leader in one metadata batch (the
 * controller moves the leadership in the same record that fences the broker), so the image alone
 * would show every failover as instantaneous. The time the old leader was really lost is its last
 * heartbeat, which only the controllers know; the caller passes the last heartbeat times it polled
 * from them, and a fenced leader's loss is dated there. A partition that stays without a live leader
 * over several images is dated from the first of them.
 */
public final class LeadershipTimeline {

    /** Kept failovers; older ones are dropped first, so a long-running broker's page stays small. */
    static final int MAX_FAILOVERS = 500;
    /**
     * A heartbeat older than this before the change says the poll was stale, not when the leader was
     * lost (the controllers fence a silent broker after broker.session.timeout.ms, seconds).
     */
    static final long MAX_HEARTBEAT_LOOKBACK_MS = 30_000;

    private static final LeadershipTimeline EMPTY = new LeadershipTimeline(List.of(), Map.of());

    private final List<Failover> failovers;
    private final Map<TopicPartition, Loss> leaderless;

    /** A partition without a live leader: who led it last, since when, and why it was lost. */
    private record Loss(int lastLeader, long sinceMs, Failover.Cause cause) {
    }

    private LeadershipTimeline(List<Failover> failovers, Map<TopicPartition, Loss> leaderless) {
        this.failovers = failovers;
        this.leaderless = leaderless;
    }

    /** No failover seen yet. */
    public static LeadershipTimeline empty() {
        return EMPTY;
    }

    /** The failovers seen, oldest first (at most {@value #MAX_FAILOVERS}). */
    public List<Failover> failovers() {
        return failovers;
    }

    /** When each partition now without a live leader lost it. */
    public Map<TopicPartition, Long> leaderlessSince() {
        Map<TopicPartition, Long> since = new HashMap<>();
        leaderless.forEach((partition, loss) -> since.put(partition, loss.sinceMs()));
        return Map.copyOf(since);
    }

    /**
     * The timeline after the image moved from {@code previous} to {@code current} at {@code nowMs}.
     *
     * @param lastHeartbeatAtMs the last heartbeat of each broker the controllers reported, by broker id
     *                          (wall-clock ms); brokers missing from it date their loss at the change
     */
    public LeadershipTimeline observe(MetadataImage previous, MetadataImage current, long nowMs,
                                      Map<Integer, Long> lastHeartbeatAtMs) {
        boolean brokersChanged = !previous.brokers().equals(current.brokers());
        Map<TopicPartition, Loss> losses = new HashMap<>(leaderless);
        losses.keySet().removeIf(partition -> current.topic(partition.topic()).isEmpty());
        List<Failover> seen = new ArrayList<>();
        for (TopicImage topic : current.topics().values()) {
            TopicImage before = previous.topics().get(topic.name());
            if (before == topic && !brokersChanged) {
                continue;  // images share unchanged topics: nothing here can have moved
            }
            for (PartitionState now : topic.partitions().values()) {
                Optional<PartitionState> then = before == null ? Optional.empty() : before.partition(now.partition());
                TopicPartition id = new TopicPartition(topic.name(), now.partition());
                observePartition(id, then, now, previous, current, nowMs, lastHeartbeatAtMs, losses, seen);
            }
        }
        if (seen.isEmpty() && losses.equals(leaderless)) {
            return this;
        }
        List<Failover> kept = new ArrayList<>(failovers);
        kept.addAll(seen);
        int excess = kept.size() - MAX_FAILOVERS;
        return new LeadershipTimeline(List.copyOf(excess > 0 ? kept.subList(excess, kept.size()) : kept),
                Map.copyOf(losses));
    }

    private static void observePartition(TopicPartition id, Optional<PartitionState> then, PartitionState now,
                                         MetadataImage previous, MetadataImage current, long nowMs,
                                         Map<Integer, Long> lastHeartbeatAtMs, Map<TopicPartition, Loss> losses,
                                         List<Failover> seen) {
        if (!hasLiveLeader(current, now)) {
            if (!losses.containsKey(id) && then.isPresent()) {
                int lastLeader = then.get().leader();
                Failover.Cause cause = hasLiveLeader(previous, then.get()) ? causeOfLoss(current, lastLeader)
                        : Failover.Cause.NO_LEADER;
                losses.put(id, new Loss(lastLeader, lostAt(cause, lastLeader, nowMs, lastHeartbeatAtMs), cause));
            }
            return;
        }
        Loss loss = losses.remove(id);
        if (loss != null) {
            seen.add(new Failover(id.topic(), id.partition(), loss.lastLeader(), now.leader(), now.leaderEpoch(),
                    loss.sinceMs(), nowMs, loss.cause()));
        } else if (then.isPresent() && then.get().leader() != now.leader()) {
            int was = then.get().leader();
            Failover.Cause cause = was < 0 ? Failover.Cause.NO_LEADER : causeOfLoss(current, was);
            seen.add(new Failover(id.topic(), id.partition(), was, now.leader(), now.leaderEpoch(),
                    lostAt(cause, was, nowMs, lastHeartbeatAtMs), nowMs, cause));
        }
    }

    private static boolean hasLiveLeader(MetadataImage image, PartitionState partition) {
        return partition.leader() >= 0 && image.broker(partition.leader()).map(b -> !b.fenced()).orElse(false);
    }

    private static Failover.Cause causeOfLoss(MetadataImage current, int leader) {
        Optional<BrokerRegistration> registration = current.broker(leader);
        if (registration.isEmpty() || registration.get().fenced() && !registration.get().shutDown()) {
            return Failover.Cause.LEADER_FENCED;
        }
        return registration.get().shutDown() ? Failover.Cause.LEADER_SHUT_DOWN : Failover.Cause.LEADER_MOVED;
    }

    private static long lostAt(Failover.Cause cause, int leader, long nowMs, Map<Integer, Long> lastHeartbeatAtMs) {
        Long heartbeat = lastHeartbeatAtMs.get(leader);
        if (cause != Failover.Cause.LEADER_FENCED || heartbeat == null || heartbeat > nowMs
                || heartbeat < nowMs - MAX_HEARTBEAT_LOOKBACK_MS) {
            return nowMs;
        }
        return heartbeat;
    }
}
