package io.wharf.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Property test: random schedules of joins, leaves, static leaves and returns, crashes and
 * session expiries, subscription changes (names and regexes), partition additions and new topics,
 * with simulated clients that revoke what they are told to revoke (sometimes late) and sometimes
 * lose a response. After every step: no partition has two owners, neither in the coordinator nor
 * among the clients, and a follower that replayed the records equals the leader. After each
 * schedule, once the clients heartbeat without further changes, the group converges: every
 * subscribed partition held by exactly one member, balanced within one under the uniform assignor,
 * and a coordinator rebuilt from the log equals the leader. A failure names its seed; run again
 * with {@code -Dwharf.groups.seed=<seed>} to replay it.
 */
class GroupSimulationTest {

    private static final int SCHEDULES = 500;
    private static final int STEPS = 80;
    private static final int SESSION_MS = 1000;
    private static final int HEARTBEAT_MS = 100;
    private static final List<String> REGEXES = List.of("t.*", "t[01]", "t[12]");

    @Test
    void randomSchedulesNeverDoubleAssignAndConverge() {
        // -Dwharf.groups.seed=<seed printed by a failure> replays that schedule first
        long base = Long.getLong("wharf.groups.seed", new Random().nextLong());
        System.out.println("GroupSimulationTest base seed " + base + "L");
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < SCHEDULES; i++) {
            long seed = base + i;
            try {
                Schedule schedule = new Schedule(seed);
                schedule.run();
                schedule.seen.forEach((what, count) -> seen.merge(what, count, Integer::sum));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("schedule failed; reproduce with seed " + seed + "L: " + e.getMessage(), e);
            }
        }
        // The schedules must have walked every path the invariants are about, or they proved little.
        for (String path : List.of("UNREVOKED_PARTITIONS", "UNRELEASED_PARTITIONS", "fenced", "static return",
                "expired", "previous epoch accepted", "converged non-empty")) {
            assertTrue(seen.getOrDefault(path, 0) > 0, "no schedule exercised " + path + " (base seed " + base
                    + "L): " + seen);
        }
    }

    /** One client process as the simulation sees it. */
    private static final class Client {
        final String instanceId;
        String memberId;
        int epoch;
        boolean joined;
        boolean alive = true;
        boolean staticLeft;
        List<String> topics = List.of();
        Optional<String> regex = Optional.empty();
        final Set<TopicPartition> owned = new TreeSet<>();
        final Set<TopicPartition> revoking = new TreeSet<>();

        Client(String memberId, String instanceId) {
            this.memberId = memberId;
            this.instanceId = instanceId;
        }

        void dropAll() {
            owned.clear();
            revoking.clear();
        }

        Assignment ownedAssignment() {
            return Assignment.ofPartitions(owned);
        }
    }

    private static final class Schedule {
        final long seed;
        final Random random;
        final CoordinatorHarness harness;
        final List<Client> clients = new ArrayList<>();
        final String assignor;
        final Map<String, Integer> seen = new HashMap<>();
        int nextMemberId;

        Schedule(long seed) {
            this.seed = seed;
            this.random = new Random(seed);
            this.harness = new CoordinatorHarness(GroupConfig.defaults()
                    .withTimeouts(SESSION_MS, SESSION_MS, SESSION_MS, HEARTBEAT_MS, HEARTBEAT_MS, HEARTBEAT_MS));
            this.assignor = random.nextInt(5) == 0 ? RangeAssignor.NAME : UniformAssignor.NAME;
            int topicCount = 1 + random.nextInt(3);
            for (int t = 0; t < topicCount; t++) {
                harness.topic("t" + t, 1 + random.nextInt(6));
            }
            int clientCount = 1 + random.nextInt(6);
            for (int c = 0; c < clientCount; c++) {
                clients.add(new Client(newMemberId(), random.nextInt(3) == 0 ? "instance-" + c : null));
            }
        }

        void count(String what) {
            seen.merge(what, 1, Integer::sum);
        }

        String newMemberId() {
            return "member-" + nextMemberId++;
        }

        void run() {
            for (int step = 0; step < STEPS; step++) {
                step();
                checkInvariants();
            }
            converge();
        }

        void step() {
            harness.nowMs += random.nextInt(HEARTBEAT_MS * 2);
            Client client = clients.get(random.nextInt(clients.size()));
            int action = random.nextInt(100);
            if (action < 45) {
                if (client.alive && client.joined) {
                    heartbeat(client, random.nextInt(20) == 0, random.nextInt(3) > 0);
                } else if (client.alive) {
                    join(client);
                }
            } else if (action < 55) {
                if (client.alive && !client.joined) {
                    join(client);
                } else if (client.alive) {
                    changeSubscription(client);
                }
            } else if (action < 62) {
                leave(client);
            } else if (action < 67) {
                crashOrRestart(client);
            } else if (action < 75) {
                expire();
            } else if (action < 80) {
                growTopics();
            } else {
                heartbeatEveryone();
            }
        }

        void join(Client client) {
            client.dropAll();
            client.staticLeft = false;
            pickSubscription(client);
            HeartbeatRequest request = client.regex.isPresent()
                    ? HeartbeatRequest.joinWithRegex(CoordinatorHarness.GROUP, client.memberId, client.regex.get())
                    : HeartbeatRequest.join(CoordinatorHarness.GROUP, client.memberId, client.topics);
            request = request.withAssignor(assignor);
            if (random.nextBoolean()) {
                // short enough that late revokers are sometimes removed for it
                request = request.withRebalanceTimeout(SESSION_MS / 2);
            }
            if (client.instanceId != null) {
                request = request.withInstanceId(client.instanceId);
            }
            GroupResult<HeartbeatResponse> result = harness.heartbeat(request);
            if (!result.isOk()) {
                // the instance id is still held by a member that has not left or expired yet
                assertEquals(GroupErrorCode.UNRELEASED_INSTANCE_ID, result.error().orElseThrow().code(),
                        result.toString());
                return;
            }
            if (client.instanceId != null && result.response().memberEpoch() > 0) {
                count("static return");
            }
            client.joined = true;
            apply(client, result.response(), false);
        }

        void pickSubscription(Client client) {
            if (random.nextInt(4) == 0) {
                client.regex = Optional.of(REGEXES.get(random.nextInt(REGEXES.size())));
                client.topics = List.of();
            } else {
                List<String> names = new ArrayList<>(harness.topics.keySet());
                List<String> chosen = new ArrayList<>();
                for (String name : names) {
                    if (random.nextBoolean()) {
                        chosen.add(name);
                    }
                }
                if (chosen.isEmpty()) {
                    chosen.add(names.get(random.nextInt(names.size())));
                }
                client.topics = chosen;
                client.regex = Optional.empty();
            }
        }

        void changeSubscription(Client client) {
            pickSubscription(client);
            HeartbeatRequest request = HeartbeatRequest.heartbeat(CoordinatorHarness.GROUP, client.memberId,
                    client.epoch, client.ownedAssignment());
            request = client.regex.isPresent() ? request.withRegex(client.regex.get()) : request.withTopics(client.topics);
            send(client, request, false, true);
        }

        void heartbeat(Client client, boolean loseResponse, boolean revokeAtOnce) {
            if (random.nextBoolean()) {
                // a late revoker finally lets go of what it was told to give up
                client.owned.removeAll(client.revoking);
                client.revoking.clear();
            }
            send(client, HeartbeatRequest.heartbeat(CoordinatorHarness.GROUP, client.memberId, client.epoch,
                    client.ownedAssignment()), loseResponse, revokeAtOnce);
        }

        void send(Client client, HeartbeatRequest request, boolean loseResponse, boolean revokeAtOnce) {
            int serverEpoch = harness.group().current(client.memberId).memberEpoch();
            boolean known = harness.group().member(client.memberId).isPresent();
            GroupResult<HeartbeatResponse> result = harness.heartbeat(request);
            if (!result.isOk()) {
                assertEquals(GroupErrorCode.FENCED_MEMBER_EPOCH, result.error().orElseThrow().code(), result.toString());
                count("fenced");
                client.dropAll();
                client.joined = false;
                return;
            }
            if (known && request.memberEpoch() != serverEpoch) {
                count("previous epoch accepted");
            }
            result.records().forEach(record -> {
                if (record instanceof GroupRecord.CurrentMember current && current.value().isPresent()) {
                    count(current.value().get().state().name());
                }
            });
            if (!loseResponse) {
                apply(client, result.response(), revokeAtOnce);
            }
        }

        void apply(Client client, HeartbeatResponse response, boolean revokeAtOnce) {
            client.epoch = response.memberEpoch();
            Set<TopicPartition> assigned = new TreeSet<>();
            response.assignment().partitions().forEach((topic, indexes) ->
                    indexes.forEach(p -> assigned.add(new TopicPartition(topic, p))));
            for (TopicPartition tp : List.copyOf(client.owned)) {
                if (!assigned.contains(tp)) {
                    client.revoking.add(tp);
                }
            }
            client.revoking.removeAll(assigned);
            client.owned.addAll(assigned);
            if (revokeAtOnce) {
                client.owned.removeAll(client.revoking);
                client.revoking.clear();
            }
        }

        void leave(Client client) {
            if (!client.alive || !client.joined) {
                return;
            }
            client.dropAll();
            boolean temporarily = client.instanceId != null && random.nextBoolean();
            HeartbeatRequest request = temporarily
                    ? HeartbeatRequest.staticLeave(CoordinatorHarness.GROUP, client.memberId, client.instanceId)
                    : HeartbeatRequest.leave(CoordinatorHarness.GROUP, client.memberId);
            GroupResult<HeartbeatResponse> result = harness.heartbeat(request);
            client.joined = false;
            if (result.isOk()) {
                client.staticLeft = temporarily;
                if (temporarily) {
                    // a restarted static member comes back under a new member id
                    client.memberId = newMemberId();
                }
            } else {
                assertEquals(GroupErrorCode.UNKNOWN_MEMBER_ID, result.error().orElseThrow().code(), result.toString());
            }
        }

        void crashOrRestart(Client client) {
            if (client.alive) {
                // a crashed process stops consuming; its member stays until its session expires
                client.alive = false;
                client.joined = false;
                client.dropAll();
            } else {
                client.alive = true;
                client.memberId = newMemberId();
            }
        }

        void expire() {
            GroupResult<List<GroupMemberId>> result = harness.expire();
            for (GroupMemberId expired : result.response()) {
                count("expired");
                assertTrue(harness.group().member(expired.memberId()).isEmpty(), "expired member still in group");
                for (Client client : clients) {
                    if (client.memberId.equals(expired.memberId())) {
                        // the client's own session timer ran out too: it stops consuming; half of
                        // them do not rejoin until a heartbeat tells them they were fenced
                        client.dropAll();
                        client.joined = client.joined && random.nextBoolean();
                    }
                }
            }
        }

        void growTopics() {
            if (random.nextInt(3) == 0 && harness.topics.size() < 4) {
                harness.topic("t" + harness.topics.size(), 1 + random.nextInt(4));
            } else {
                List<String> names = new ArrayList<>(harness.topics.keySet());
                String topic = names.get(random.nextInt(names.size()));
                harness.topic(topic, harness.topics.get(topic) + 1 + random.nextInt(2));
            }
        }

        void heartbeatEveryone() {
            for (Client client : clients) {
                if (client.alive && client.joined) {
                    heartbeat(client, false, true);
                }
            }
        }

        void checkInvariants() {
            Optional<ConsumerGroup> maybeGroup = harness.leader.group(CoordinatorHarness.GROUP);
            Map<TopicPartition, String> serverOwners = new HashMap<>();
            maybeGroup.ifPresent(group -> group.currentAssignments().forEach((memberId, current) -> {
                for (TopicPartition tp : current.held().keySet()) {
                    String other = serverOwners.put(tp, memberId);
                    if (other != null) {
                        fail(tp + " held by both " + other + " and " + memberId + " in " + group);
                    }
                }
            }));
            Map<TopicPartition, String> clientOwners = new HashMap<>();
            for (Client client : clients) {
                for (TopicPartition tp : client.owned) {
                    String other = clientOwners.put(tp, client.memberId);
                    if (other != null) {
                        fail(tp + " owned by clients " + other + " and " + client.memberId + " at once");
                    }
                    assertEquals(client.memberId, serverOwners.get(tp),
                            "client " + client.memberId + " owns " + tp + " but the coordinator does not give it to it");
                }
            }
            assertEquals(harness.leader.image(), harness.follower.image(), "follower diverged from leader");
        }

        void converge() {
            // Live clients keep heartbeating while crashed members' sessions run out.
            long until = harness.nowMs + SESSION_MS + 1;
            while (harness.nowMs < until) {
                harness.nowMs += HEARTBEAT_MS;
                for (Client client : clients) {
                    if (client.alive && !client.joined && !client.staticLeft) {
                        join(client);
                    } else if (client.alive && client.joined) {
                        heartbeat(client, false, true);
                    }
                }
                expire();
                checkInvariants();
            }
            for (int round = 0; round < 10; round++) {
                heartbeatEveryone();
                checkInvariants();
            }
            ConsumerGroup group = harness.leader.group(CoordinatorHarness.GROUP).orElse(null);
            if (group == null || group.isEmpty()) {
                assertTrue(clients.stream().noneMatch(c -> c.joined), "a joined client without a group member");
                assertEquals(harness.leader.image(), harness.rebuilt().image(), "rebuilt state differs");
                return;
            }
            assertEquals(GroupState.STABLE, group.state(), "group did not converge: " + group);
            count("converged non-empty");
            checkCoverage(group);
            for (Client client : clients) {
                if (client.joined) {
                    assertEquals(group.current(client.memberId).assignedPartitions(), client.ownedAssignment(),
                            "client " + client.memberId + " owns other partitions than the coordinator gave it");
                }
            }
            if (assignor.equals(UniformAssignor.NAME)) {
                checkBalance(group);
            }
            assertEquals(harness.leader.image(), harness.rebuilt().image(), "rebuilt state differs");
        }

        void checkCoverage(ConsumerGroup group) {
            Set<TopicPartition> expected = new HashSet<>();
            group.members().values().forEach(member -> member.subscribedTopics(harness.topics.keySet()).forEach(topic -> {
                for (int p = 0; p < harness.topics.getOrDefault(topic, 0); p++) {
                    expected.add(new TopicPartition(topic, p));
                }
            }));
            Map<TopicPartition, String> owners = group.owners();
            assertEquals(expected, owners.keySet(), "subscribed partitions and held partitions differ");
            group.members().forEach((memberId, member) ->
                    group.current(memberId).assigned().keySet().forEach(tp -> assertTrue(
                            member.subscribesTo(tp.topic()), memberId + " holds " + tp + " without subscribing")));
        }

        void checkBalance(ConsumerGroup group) {
            for (String a : group.members().keySet()) {
                int countA = group.current(a).assigned().size();
                for (String b : group.members().keySet()) {
                    int countB = group.current(b).assigned().size();
                    MemberMetadata memberB = group.members().get(b);
                    boolean bCouldTakeOne = group.current(a).assigned().keySet().stream()
                            .anyMatch(tp -> memberB.subscribesTo(tp.topic()));
                    if (bCouldTakeOne) {
                        assertTrue(countA <= countB + 1, a + " holds " + countA + " partitions, " + b + " only "
                                + countB + " though it could take one: " + group);
                    }
                }
            }
        }
    }
}
