package io.wharf.cluster;

import io.wharf.broker.BrokerConfigKeys;
import io.wharf.config.ConfigKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Checks that a fenced zombie leader never acknowledges a write: acknowledgements carry no leader
 * epoch, but the final log does (each batch keeps the epoch of the leader that appended it), and
 * the {@link ClusterObserver} records when the active controller first showed each leader epoch of
 * each partition and when it fenced each broker ({@link EarlyFences}). For an acknowledged record:
 * <ul>
 *   <li>stored at its acknowledged offset, in a batch of epoch {@code e} led by broker {@code L}:
 *       it must have been sent before the controller had both fenced {@code L} and given the
 *       partition to another broker in a later epoch, give or take {@link #APPLY_BOUND_MS}. The new leader takes the
 *       old leader's appends only until it applies its own epoch; later ones in epoch {@code e}
 *       mean a fenced leader kept appending and a replica kept accepting;</li>
 *   <li>not stored at its acknowledged offset (a loss {@link AcknowledgedRecords} also reports):
 *       when the final log gives that offset to an epoch the controller had announced before the
 *       record was even sent, the acknowledgement came from a leader that had already been replaced.</li>
 * </ul>
 * Answers from a controller with an older Raft term than one already seen are ignored.
 * Thread-safe: the observer records, the test thread checks.
 */
final class FencedLeaderAcks {

    /**
     * How long a new leader may keep taking its predecessor's appends after the controller moved
     * the leadership: until it applies the change from its metadata stream (milliseconds when
     * healthy). A new leader that is itself cut from the active controller learns of its leadership
     * only when it notices its metadata lag ({@code broker.metadata.max.lag.ms}) and resumes the
     * stream on another controller (one call timing out, {@code controller.request.timeout.ms}, and
     * a retry backoff); until then it still follows the deposed leader and acknowledges its appends
     * as an ISR member (the 100-fault replay saw acks sent 2.0 s after the move). Plus one broker
     * session timeout of margin, the bound before that case was known. From the brokers' defaults,
     * which the nemesis cluster runs with.
     */
    static final long APPLY_BOUND_MS = defaultMillis(BrokerConfigKeys.METADATA_MAX_LAG_MS)
            + defaultMillis(BrokerConfigKeys.CONTROLLER_REQUEST_TIMEOUT_MS)
            + defaultMillis(BrokerConfigKeys.CONTROLLER_RETRY_BACKOFF_MS) + EarlyFences.SESSION_TIMEOUT_MS;

    /** An acknowledged record: where its acknowledgement put it, its value, when it was sent (ms since start). */
    record Ack(int partition, long offset, String value, long sentMs) {
    }

    /** A record of the final log: the leader epoch of its batch and its value. */
    record Stored(int leaderEpoch, String value) {
    }

    /** A leader epoch as first seen on the active controller. */
    private record Leadership(int leaderId, long firstSeenMs) {
    }

    private final Map<Integer, NavigableMap<Integer, Leadership>> leaderships = new HashMap<>();
    private long newestTerm = Long.MIN_VALUE;

    /**
     * The controller leading Raft term {@code term} said, in an answer received {@code atMs} after
     * the start of the run, that {@code partition} is led by {@code leaderId} at {@code leaderEpoch}.
     */
    synchronized void observed(long term, int partition, int leaderEpoch, int leaderId, long atMs) {
        if (term < newestTerm) {
            return;
        }
        newestTerm = term;
        leaderships.computeIfAbsent(partition, p -> new TreeMap<>())
                .putIfAbsent(leaderEpoch, new Leadership(leaderId, atMs));
    }

    private static long defaultMillis(ConfigKey key) {
        return Long.parseLong(key.defaultValue().orElseThrow());
    }

    /** Leader epochs seen, over all partitions. */
    synchronized int epochsSeen() {
        return leaderships.values().stream().mapToInt(Map::size).sum();
    }

    /**
     * What is wrong with {@code acks} given the final log ({@code log}: partition, then offset, to
     * the stored record) and the {@code fences} seen, one line per zombie acknowledgement.
     */
    synchronized List<String> violations(List<Ack> acks, Map<Integer, Map<Long, Stored>> log,
                                         List<EarlyFences.Fence> fences) {
        List<String> violations = new ArrayList<>();
        for (Ack ack : acks) {
            NavigableMap<Integer, Leadership> epochs = leaderships.getOrDefault(ack.partition(), new TreeMap<>());
            Stored stored = log.getOrDefault(ack.partition(), Map.of()).get(ack.offset());
            if (stored == null) {
                continue;  // beyond what was read back: AcknowledgedRecords reports the loss
            }
            Leadership leadership = epochs.get(stored.leaderEpoch());
            if (leadership == null) {
                continue;  // an epoch the observer never saw: nothing to time it against
            }
            String where = ack.value() + " acknowledged at " + ack.partition() + "@" + ack.offset();
            if (!stored.value().equals(ack.value())) {
                if (ack.sentMs() > leadership.firstSeenMs()) {
                    violations.add(String.format("zombie ack: %s, an offset the final log gives to epoch %d "
                                    + "(leader %d, seen from %.1f s), before the record was sent at %.1f s",
                            where, stored.leaderEpoch(), leadership.leaderId(), leadership.firstSeenMs() / 1000.0,
                            ack.sentMs() / 1000.0));
                }
                continue;
            }
            Optional<Long> deposed = deposedAt(epochs, stored.leaderEpoch(), leadership, fences);
            if (deposed.isPresent() && ack.sentMs() > deposed.get() + APPLY_BOUND_MS) {
                violations.add(String.format("fenced leader acknowledged: %s in epoch %d of broker %d, sent at %.1f s, "
                                + "after the controller had fenced it and given the partition to another broker (seen at %.1f s)",
                        where, stored.leaderEpoch(), leadership.leaderId(), ack.sentMs() / 1000.0,
                        deposed.get() / 1000.0));
            }
        }
        return violations;
    }

    /**
     * When the controller was first seen to have both given the partition to another broker in a
     * later epoch and fenced {@code epoch}'s leader (a fence seen after the epoch was); empty when
     * either was never seen. A later epoch without a leader (every replica fenced: a partition
     * that cut the brokers from the active controller) replaces nobody: the fenced leader's appends
     * until it learns of the fence (up to {@code broker.metadata.max.lag.ms} when its metadata
     * stream is cut) reach only replicas that also still follow it, and any later leader comes
     * from them, so they are not a zombie's.
     */
    private static Optional<Long> deposedAt(NavigableMap<Integer, Leadership> epochs, int epoch, Leadership leadership,
                                            List<EarlyFences.Fence> fences) {
        Map.Entry<Integer, Leadership> next = epochs.tailMap(epoch, false).entrySet().stream()
                .filter(later -> later.getValue().leaderId() >= 0
                        && later.getValue().leaderId() != leadership.leaderId())
                .findFirst().orElse(null);
        Optional<Long> fenced = fences.stream()
                .filter(f -> f.brokerId() == leadership.leaderId() && f.seenFencedMs() >= leadership.firstSeenMs())
                .map(EarlyFences.Fence::seenFencedMs).min(Long::compare);
        if (next == null || fenced.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Math.max(next.getValue().firstSeenMs(), fenced.get()));
    }
}
