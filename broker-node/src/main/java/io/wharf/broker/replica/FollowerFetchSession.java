package io.wharf.broker.replica;

import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.FollowerPosition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A follower's side of its fetch session with one leader broker: the session id and epoch, and
 * the position it last sent for each partition, which is what the leader remembers. It decides
 * what the next ReplicaFetch lists. Confined to the fetcher's thread.
 */
final class FollowerFetchSession {

    /**
     * What one request carries.
     *
     * @param sessionId 0 for a full request
     * @param epoch     0 for a full request
     * @param listed    the partitions it lists, with their positions: all of them when full
     * @param forgotten the session's partitions no longer fetched from this leader
     */
    record Next(int sessionId, int epoch, Map<TopicPartition, FollowerPosition> listed,
                List<TopicPartition> forgotten) {

        boolean full() {
            return epoch == 0;
        }
    }

    private int id;
    private int epoch;
    private final Map<TopicPartition, FollowerPosition> sent = new HashMap<>();

    /** The request to send for the partitions fetched from this leader now, at {@code current}. */
    Next next(Map<TopicPartition, FollowerPosition> current) {
        if (id == 0) {
            return new Next(0, 0, new LinkedHashMap<>(current), List.of());
        }
        Map<TopicPartition, FollowerPosition> changed = new LinkedHashMap<>();
        current.forEach((tp, position) -> {
            if (!position.equals(sent.get(tp))) {
                changed.put(tp, position);
            }
        });
        List<TopicPartition> forgotten = new ArrayList<>();
        for (TopicPartition tp : sent.keySet()) {
            if (!current.containsKey(tp)) {
                forgotten.add(tp);
            }
        }
        return new Next(id, epoch, changed, forgotten);
    }

    /**
     * The leader answered {@code request} without a session error, naming {@code sessionId}: the
     * positions it listed are now the leader's, and the next request is incremental if there is
     * a session.
     */
    void answered(Next request, int sessionId) {
        if (sessionId == 0 || (!request.full() && sessionId != id)) {
            reset();
            return;
        }
        if (request.full()) {
            sent.clear();
        }
        id = sessionId;
        epoch = request.epoch() == Integer.MAX_VALUE ? 1 : request.epoch() + 1;
        request.forgotten().forEach(sent::remove);
        sent.putAll(request.listed());
    }

    /**
     * Forgets the session, after a session error or a request whose answer never came (the
     * leader may or may not have applied it): the next request is full.
     */
    void reset() {
        id = 0;
        epoch = 0;
        sent.clear();
    }
}
