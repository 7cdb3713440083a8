package io.wharf.broker.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.controller.ControllerInfo;
import io.wharf.proto.controller.DescribeClusterResponse;
import io.wharf.replication.log.ManualClock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ControllerPollerTest {

    private static final long T = 100_000;

    private final ControllerView full = ControllerView.from(DescribeClusterResponse.newBuilder().setLeaderId(2)
            .addControllers(controller(1, "follower", 40)).addControllers(controller(2, "leader", 42))
            .addControllers(controller(3, "follower", 41))
            .addBrokers(BrokerInfo.newBuilder().setId(7).setMsSinceHeartbeat(30)).build(), T);

    @Test
    void theControllersAreAskedForOnlyWhileWatchedOrWhenTheirRowsAreMissingStaleOrShowAnotherLeader() {
        assertTrue(ControllerPoller.controllersDue(ControllerView.notPolledYet(), false, T), "never asked");
        assertFalse(ControllerPoller.controllersDue(full, false, T + 500), "unwatched, rows fresh");
        assertTrue(ControllerPoller.controllersDue(full, true, T + 500), "watched");
        assertFalse(ControllerPoller.controllersDue(full, false,
                T + ControllerPoller.UNWATCHED_CONTROLLERS_MAX_AGE_MS - 1), "unwatched, rows just young enough");
        assertTrue(ControllerPoller.controllersDue(full, false, T + ControllerPoller.UNWATCHED_CONTROLLERS_MAX_AGE_MS),
                "unwatched, rows too old");

        ControllerView leaderMoved = full.withBrokers(DescribeClusterResponse.newBuilder().setLeaderId(3).build(), T + 500);
        assertTrue(leaderMoved.leaderMoved());
        assertTrue(ControllerPoller.controllersDue(leaderMoved, false, T + 1000), "a leader the rows do not show");
        ControllerView noLeader = full.withBrokers(DescribeClusterResponse.newBuilder().setLeaderId(-1).build(), T + 500);
        assertTrue(ControllerPoller.controllersDue(noLeader, false, T + 1000), "no leader: the rows show one");
    }

    @Test
    void aBrokersOnlyAnswerKeepsTheControllerRowsAndTheirAgeAndTakesTheLeaderAndHeartbeatAges() {
        ControllerView light = full.withBrokers(DescribeClusterResponse.newBuilder().setLeaderId(2)
                .addBrokers(BrokerInfo.newBuilder().setId(7).setMsSinceHeartbeat(80))
                .addBrokers(BrokerInfo.newBuilder().setId(8).setMsSinceHeartbeat(-1)).build(), T + 2_000);

        assertEquals(full.nodes(), light.nodes());
        assertEquals(T, light.nodesPolledAtMs());
        assertEquals(T + 2_000, light.polledAtMs());
        assertEquals(Map.of(7, 80L), light.msSinceHeartbeat());
        assertEquals(Map.of(7, T + 2_000 - 80), light.lastHeartbeatAtMs());
        assertFalse(light.leaderMoved());
        assertEquals(List.of(2L, 0L, 1L), light.nodes().stream().map(ControllerView.Node::lag).toList());
    }

    @Test
    void theConsoleIsWatchedWhileAPageStreamsAndForAWhileAfterASnapshotIsReadThroughTheApi() {
        ManualClock clock = new ManualClock(T);
        ConsoleFeed feed = new ConsoleFeed(clock);
        assertFalse(feed.watchedSince(0), "nothing read yet");

        feed.streamStarted();
        assertTrue(feed.watchedSince(T));
        feed.streamEnded();
        assertFalse(feed.watchedSince(T - ControllerPoller.WATCHED_FOR_MS));

        feed.latest();
        clock.advance(ControllerPoller.WATCHED_FOR_MS);
        assertTrue(feed.watchedSince(clock.millis() - ControllerPoller.WATCHED_FOR_MS), "read exactly a window ago");
        assertFalse(feed.watchedSince(clock.millis() - ControllerPoller.WATCHED_FOR_MS + 1), "read before the window");
    }

    private static ControllerInfo controller(int id, String role, long applied) {
        return ControllerInfo.newBuilder().setId(id).setAddress("127.0.0.1:1700" + id).setRole(role).setTerm(3)
                .setAppliedIndex(applied).build();
    }
}
