package io.wharf.client.consumer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.ClientException;
import io.wharf.client.TopicPartition;
import io.wharf.client.fake.FakeCluster;
import io.wharf.client.group.GroupAdmin;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.proto.broker.GroupHeartbeatRequest;
import io.wharf.proto.common.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Consumer groups through the SDK against the fake coordinator (FakeCluster's FakeGroupCoordinator). */
class ConsumerGroupTest {

    private static final String TOPIC = "clicks";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final TopicPartition P2 = new TopicPartition(TOPIC, 2);
    private static final Set<TopicPartition> ALL = Set.of(P0, P1, P2);

    private FakeCluster cluster;
    private Producer producer;
    private final List<Consumer> consumers = new ArrayList<>();
    /** Partition → name of the consumer whose listener last got it; a second owner is a violation. */
    private final Map<TopicPartition, String> owners = new ConcurrentHashMap<>();
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void setUp() {
        cluster = FakeCluster.inProcess(3);
        cluster.createTopic(TOPIC, 3);
        cluster.groupCoordinator(2);
        producer = new Producer(ProducerConfig.builder(cluster.bootstrap()).acks(1).build(), cluster.channels());
    }

    @AfterEach
    void tearDown() {
        consumers.forEach(Consumer::close);
        producer.close(Duration.ofSeconds(1));
        cluster.close();
    }

    /** Records what the group told one consumer, and on which thread; readable from any thread. */
    private final class Recorder implements RebalanceListener {
        final String name;
        final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();
        final Map<TopicPartition, Long> committedWhenRevoked = Collections.synchronizedMap(new HashMap<>()); // values may be null
        volatile String group;
        /**
         * When set on the group's first member, onPartitionsRevoked lets go only once the other
         * members have heartbeated this many more times (slow processing or a slow commit while
         * the coordinator is asked again).
         */
        volatile int revokeUntilOtherHeartbeats;

        Recorder(String name) {
            this.name = name;
        }

        @Override
        public void onPartitionsAssigned(Set<TopicPartition> partitions) {
            threads.add(Thread.currentThread());
            events.add("assigned " + sorted(partitions));
            for (TopicPartition tp : partitions) {
                String previous = owners.putIfAbsent(tp, name);
                if (previous != null) {
                    violations.add(tp + " given to " + name + " while " + previous + " still owned it");
                }
            }
            owned.addAll(partitions);
        }

        @Override
        public void onPartitionsRevoked(Set<TopicPartition> partitions) {
            threads.add(Thread.currentThread());
            if (revokeUntilOtherHeartbeats > 0) {
                long before = heartbeatsOfLaterMembers(group);
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> heartbeatsOfLaterMembers(group) >= before + revokeUntilOtherHeartbeats);
            }
            events.add("revoked " + sorted(partitions));
            partitions.forEach(tp -> committedWhenRevoked.put(tp, cluster.committedOffset(group, tp)));
            release(partitions);
        }

        @Override
        public void onPartitionsLost(Set<TopicPartition> partitions) {
            threads.add(Thread.currentThread());
            events.add("lost " + sorted(partitions));
            release(partitions);
        }

        private void release(Set<TopicPartition> partitions) {
            partitions.forEach(tp -> owners.remove(tp, name));
            owned.removeAll(partitions);
        }
    }

    /** Heartbeats the coordinator received in {@code group} from every member but the first to join. */
    private long heartbeatsOfLaterMembers(String group) {
        List<GroupHeartbeatRequest> all = cluster.heartbeats(group);
        return all.isEmpty() ? 0 : all.stream().filter(h -> !h.getMemberId().equals(all.get(0).getMemberId())).count();
    }

    private static List<String> sorted(Set<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::toString).sorted().toList();
    }

    private ConsumerConfig.Builder config(String group) {
        return ConsumerConfig.builder(cluster.bootstrap()).groupId(group).autoOffsetReset(OffsetResetPolicy.EARLIEST)
                .fetchMaxWait(Duration.ofMillis(50)).retryBackoff(Duration.ofMillis(10))
                .defaultApiTimeout(Duration.ofSeconds(5)).requestTimeout(Duration.ofSeconds(2))
                .autoCommitInterval(Duration.ofMinutes(10));
    }

    private Consumer subscribe(ConsumerConfig.Builder config, Recorder recorder) {
        Consumer consumer = new Consumer(config.build(), cluster.channels());
        consumers.add(consumer);
        recorder.group = config.build().groupId().orElseThrow();
        consumer.subscribe(List.of(TOPIC), recorder);
        return consumer;
    }

    private void produce(int partition, int count) {
        for (int i = 0; i < count; i++) {
            producer.send(new ProducerRecord(TOPIC, partition, null, null,
                    ("p" + partition + "-" + i).getBytes(StandardCharsets.UTF_8), List.of()));
        }
        producer.flush();
    }

    /** Polls every consumer in turn, on this thread, until {@code done} holds (or 20 s pass). */
    private static void pollUntil(BooleanSupplier done, Consumer... consumers) {
        pollUntil(new ArrayList<>(), done, consumers);
    }

    /** As {@link #pollUntil(BooleanSupplier, Consumer...)}, adding the records polled to {@code records}. */
    private static void pollUntil(List<ConsumerRecord> records, BooleanSupplier done, Consumer... consumers) {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!done.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "condition not reached within 20 s");
            for (Consumer consumer : consumers) {
                records.addAll(consumer.poll(Duration.ofMillis(50)));
            }
        }
    }

    @Test
    void newPartitionsStartAtTheCommittedOffsetElseAtAutoOffsetReset() {
        produce(0, 5);
        produce(1, 5);
        produce(2, 5);
        cluster.commitOffset("billing", P0, 3);
        Recorder recorder = new Recorder("a");
        Consumer consumer = subscribe(config("billing"), recorder);
        List<ConsumerRecord> records = new ArrayList<>();
        pollUntil(records, () -> records.size() >= 12, consumer);
        Map<Integer, Long> firstOffsets = new HashMap<>();
        records.forEach(r -> firstOffsets.merge(r.partition(), r.offset(), Math::min));
        assertEquals(Map.of(0, 3L, 1, 0L, 2, 0L), firstOffsets);
        assertEquals(12, records.size());
        assertEquals(ALL, recorder.owned);
    }

    @Test
    void latestSkipsWhatWasWrittenBeforeAndNoneFailsNamingTheGroup() {
        produce(0, 2);
        Recorder latest = new Recorder("latest");
        Consumer tail = subscribe(config("tail").autoOffsetReset(OffsetResetPolicy.LATEST), latest);
        pollUntil(() -> latest.owned.equals(ALL), tail);
        produce(0, 1);
        List<ConsumerRecord> records = new ArrayList<>();
        pollUntil(records, () -> !records.isEmpty(), tail);
        assertEquals(List.of(2L), records.stream().map(ConsumerRecord::offset).toList());

        Consumer strict = subscribe(config("strict").autoOffsetReset(OffsetResetPolicy.NONE), new Recorder("strict"));
        OffsetOutOfRangeException e = assertThrows(OffsetOutOfRangeException.class,
                () -> pollUntil(() -> false, strict));
        assertTrue(e.getMessage().contains("group 'strict' has no committed offset"), e.getMessage());
    }

    @Test
    void twoMembersSplitThePartitionsAndNoPartitionIsEverOwnedByBoth() {
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        Consumer first = subscribe(config("split"), a);
        pollUntil(() -> a.owned.equals(ALL), first);
        Consumer second = subscribe(config("split"), b);
        // the newcomer polls first: were it given a partition before the other revoked it, its callback would come first
        pollUntil(() -> !b.owned.isEmpty() && a.owned.size() + b.owned.size() == 3, second, first);
        Set<TopicPartition> union = new HashSet<>(a.owned);
        union.addAll(b.owned);
        assertEquals(ALL, union);
        assertTrue(Collections.disjoint(a.owned, b.owned), a.owned + " and " + b.owned);
        assertTrue(a.events.stream().anyMatch(e -> e.startsWith("revoked")), a.events.toString());

        second.close();
        consumers.remove(second);
        pollUntil(() -> a.owned.equals(ALL), first);
        assertEquals(List.of(), violations);
        assertEquals(Set.of(Thread.currentThread()), a.threads);
        assertEquals(Set.of(Thread.currentThread()), b.threads);
    }

    @Test
    void membersPollingOnTheirOwnThreadsNeverOwnAPartitionAtOnceEvenWhileOneRevokesSlowly() throws Exception {
        Recorder a = new Recorder("a");
        // were a partition handed over before a's revocation returns, b's callback would come meanwhile
        a.revokeUntilOtherHeartbeats = 3;
        Recorder b = new Recorder("b");
        Consumer first = subscribe(config("threads"), a);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pollers = Executors.newFixedThreadPool(2);
        try {
            Future<?> pollingA = pollers.submit(() -> pollUntil(stop::get, first));
            awaitCondition(() -> a.owned.equals(ALL));
            Consumer second = subscribe(config("threads"), b);
            Future<?> pollingB = pollers.submit(() -> pollUntil(stop::get, second));
            awaitCondition(() -> !b.owned.isEmpty() && a.owned.size() + b.owned.size() == 3);
            stop.set(true);
            pollingA.get(5, TimeUnit.SECONDS);
            pollingB.get(5, TimeUnit.SECONDS);
        } finally {
            stop.set(true);
            pollers.shutdownNow();
        }
        assertEquals(List.of(), violations);
        assertTrue(Collections.disjoint(a.owned, b.owned), a.owned + " and " + b.owned);
        assertEquals(1, a.threads.size());
        assertFalse(a.threads.contains(Thread.currentThread()), "a's callbacks ran off its polling thread");
    }

    private static void awaitCondition(BooleanSupplier condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10))
                .until(condition::getAsBoolean);
    }

    @Test
    void aPatternSubscriptionGetsTheMatchingTopicsPartitions() {
        cluster.createTopic("clicks-eu", 1);
        cluster.createTopic("orders", 1);
        Recorder a = new Recorder("a");
        Consumer consumer = new Consumer(config("pattern").build(), cluster.channels());
        consumers.add(consumer);
        a.group = "pattern";
        consumer.subscribe(Pattern.compile("clicks.*"), a);
        Set<TopicPartition> expected = Set.of(P0, P1, P2, new TopicPartition("clicks-eu", 0));
        pollUntil(() -> a.owned.equals(expected), consumer);
        assertEquals("clicks.*", cluster.heartbeats("pattern").get(0).getSubscribedTopicRegex());
    }

    @Test
    void autoCommitCommitsPositionsEveryInterval() {
        produce(1, 3);
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("periodic").enableAutoCommit(true)
                .autoCommitInterval(Duration.ofMillis(100)), a);
        List<ConsumerRecord> records = new ArrayList<>();
        pollUntil(records, () -> records.size() >= 3, consumer);
        pollUntil(() -> Long.valueOf(3).equals(cluster.committedOffset("periodic", P1)), consumer);
        assertEquals(ALL, a.owned);
    }

    @Test
    void aHeartbeatErrorThatNeedsTheConfigChangedIsThrownByPoll() {
        cluster.failNextHeartbeats(ErrorCode.UNSUPPORTED_ASSIGNOR);
        Consumer consumer = subscribe(config("misconfigured").groupRemoteAssignor("sticky"), new Recorder("a"));
        ClientException e = assertThrows(ClientException.class, () -> pollUntil(() -> false, consumer));
        assertEquals(ErrorCode.UNSUPPORTED_ASSIGNOR, e.code());
        assertTrue(e.getMessage().contains("group 'misconfigured'"), e.getMessage());
        assertEquals("sticky", cluster.heartbeats("misconfigured").get(0).getServerAssignor());
    }

    @Test
    void aRevokedPartitionIsCommittedBeforeItsCallbackWithAutoCommit() {
        produce(0, 4);
        produce(1, 4);
        produce(2, 4);
        Recorder a = new Recorder("a");
        Consumer first = subscribe(config("auto").enableAutoCommit(true), a);
        List<ConsumerRecord> read = new ArrayList<>();
        pollUntil(read, () -> read.size() >= 12, first);
        Consumer second = subscribe(config("auto").enableAutoCommit(true), new Recorder("b"));
        pollUntil(() -> !a.committedWhenRevoked.isEmpty(), first, second);
        a.committedWhenRevoked.forEach((tp, offset) -> assertEquals(4L, offset, tp + " committed before its revocation"));
        assertEquals(Set.of(Thread.currentThread()), a.threads);
    }

    @Test
    void aFencedMemberLosesItsPartitionsAndRejoinsWithEpochZeroAndTheSameMemberId() {
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("fenced"), a);
        pollUntil(() -> a.owned.equals(ALL), consumer);
        int before = cluster.heartbeats("fenced").size();
        cluster.failNextHeartbeats(ErrorCode.FENCED_MEMBER_EPOCH);
        pollUntil(() -> a.events.contains("lost " + sorted(ALL)) && a.owned.equals(ALL), consumer);

        List<GroupHeartbeatRequest> heartbeats = cluster.heartbeats("fenced");
        assertEquals(1, heartbeats.stream().map(GroupHeartbeatRequest::getMemberId).distinct().count());
        List<GroupHeartbeatRequest> after = heartbeats.subList(before, heartbeats.size());
        GroupHeartbeatRequest rejoin = after.stream().filter(h -> h.getMemberEpoch() == 0).findFirst().orElseThrow(
                () -> new AssertionError("no rejoin with epoch 0 after the fence: " + after));
        assertEquals(0, rejoin.getOwnedPartitions().getTopicsCount());
        assertEquals(List.of(TOPIC), rejoin.getSubscribedTopicNames().getNamesList());
        assertEquals(List.of("assigned " + sorted(ALL), "lost " + sorted(ALL), "assigned " + sorted(ALL)), a.events);
        assertEquals(Set.of(Thread.currentThread()), a.threads);
    }

    @Test
    void aNotCoordinatorRedirectIsFollowed() {
        cluster.groupCoordinator(3);
        cluster.misdirectFindCoordinator(1); // only following NOT_COORDINATOR's endpoint reaches broker 3
        produce(1, 2);
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("redirected"), a);
        List<ConsumerRecord> records = new ArrayList<>();
        pollUntil(records, () -> records.size() >= 2, consumer);
        assertTrue(cluster.notCoordinatorAnswers() >= 1, "the misdirected request was not refused");
        consumer.commitSync();
        assertEquals(2L, cluster.committedOffset("redirected", P1));
    }

    @Test
    void coordinatorNotAvailableIsRetriedUntilTheCoordinatorIsThere() {
        cluster.coordinatorNotAvailableFor(5);
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("patient"), a);
        pollUntil(() -> a.owned.equals(ALL), consumer);
        consumer.commitSync();
        assertEquals(0L, cluster.committedOffset("patient", P0));
    }

    @Test
    void commitSyncCommitsPositionsAndAFencedCommitSurfacesItsCode() {
        produce(0, 3);
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("commits"), a);
        List<ConsumerRecord> records = new ArrayList<>();
        pollUntil(records, () -> records.size() >= 3, consumer);
        cluster.failNextCommits(ErrorCode.FENCED_MEMBER_EPOCH);
        ClientException e = assertThrows(ClientException.class, consumer::commitSync);
        assertEquals(ErrorCode.FENCED_MEMBER_EPOCH, e.code());
        assertTrue(e.getMessage().contains("group 'commits'"), e.getMessage());
        assertNull(cluster.committedOffset("commits", P0));

        consumer.commitSync();
        assertEquals(3L, cluster.committedOffset("commits", P0));
        assertEquals(0L, cluster.committedOffset("commits", P1));
    }

    @Test
    void aStaleMemberEpochIsRetriedAfterTheNextHeartbeat() {
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("stale"), a);
        pollUntil(() -> a.owned.equals(ALL), consumer);
        int before = cluster.heartbeats("stale").size();
        cluster.failNextCommits(ErrorCode.STALE_MEMBER_EPOCH);
        consumer.commitSync(Map.of(P2, 0L));
        assertEquals(0L, cluster.committedOffset("stale", P2));
        assertTrue(cluster.heartbeats("stale").size() > before, "no heartbeat between the two attempts");
    }

    @Test
    void groupMetadataTellsTheMemberIdAndTheEpochOfTheAssignmentTheListenerIsToldAbout() {
        Consumer consumer = new Consumer(config("epochs").build(), cluster.channels());
        consumers.add(consumer);
        assertThrows(IllegalStateException.class, consumer::groupMetadata);
        List<String> told = new ArrayList<>();
        consumer.subscribe(List.of(TOPIC), new RebalanceListener() {
            @Override
            public void onPartitionsAssigned(Set<TopicPartition> partitions) {
                told.add("assigned at " + consumer.groupMetadata().memberEpoch());
            }

            @Override
            public void onPartitionsLost(Set<TopicPartition> partitions) {
                told.add("lost at " + consumer.groupMetadata().memberEpoch());
            }
        });
        assertEquals(0, consumer.groupMetadata().memberEpoch(), "no assignment applied yet");
        pollUntil(() -> told.size() == 1, consumer);
        ConsumerGroupMetadata joined = consumer.groupMetadata();
        String memberId = cluster.heartbeats("epochs").get(0).getMemberId();
        assertEquals(new ConsumerGroupMetadata("epochs", memberId, joined.memberEpoch()), joined);
        assertTrue(joined.memberEpoch() > 0, joined.toString());

        cluster.failNextHeartbeats(ErrorCode.FENCED_MEMBER_EPOCH);
        pollUntil(() -> told.size() == 3, consumer);
        ConsumerGroupMetadata rejoined = consumer.groupMetadata();
        assertTrue(rejoined.memberEpoch() > joined.memberEpoch(), rejoined + " after " + joined);
        assertEquals(List.of("assigned at " + joined.memberEpoch(), "lost at " + joined.memberEpoch(),
                "assigned at " + rejoined.memberEpoch()), told);
        assertEquals(memberId, rejoined.memberId());
    }

    @Test
    void theGroupAdminReadsEveryCommittedOffsetOfAGroup() {
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("read"), a);
        pollUntil(() -> a.owned.equals(ALL), consumer);
        consumer.commitSync(Map.of(P0, 4L, P2, 7L));
        try (GroupAdmin admin = new GroupAdmin(cluster.bootstrap(), Duration.ofSeconds(5), cluster.channels())) {
            assertEquals(Map.of(P0, 4L, P2, 7L), admin.committedOffsets("read"));
            assertEquals(Map.of(), admin.committedOffsets("nobody"));
        }
    }

    @Test
    void commitAsyncTellsItsCallbackOnThePollingThread() {
        produce(2, 2);
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("async"), a);
        List<ConsumerRecord> records = new ArrayList<>();
        pollUntil(records, () -> records.size() >= 2, consumer);
        List<Map<TopicPartition, Long>> done = new ArrayList<>();
        Set<Thread> threads = new HashSet<>();
        consumer.commitAsync((offsets, failure) -> {
            assertNull(failure);
            threads.add(Thread.currentThread());
            done.add(offsets);
        });
        pollUntil(() -> !done.isEmpty(), consumer);
        assertEquals(2L, done.get(0).get(P2));
        assertEquals(2L, cluster.committedOffset("async", P2));
        assertEquals(Set.of(Thread.currentThread()), threads);
    }

    @Test
    void aSlowAsyncCommitSentBeforeASyncCommitCannotMoveTheOffsetBack() {
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("ordered"), a);
        pollUntil(() -> a.owned.equals(ALL), consumer);
        CountDownLatch slowCommit = cluster.holdNextCommit();
        consumer.commitAsync(null); // clicks-2 at 0, held by the coordinator
        produce(2, 2);
        List<ConsumerRecord> records = new ArrayList<>();
        pollUntil(records, () -> records.size() >= 2, consumer);
        // The held commit lands once the sync commit has either been carried out (wrong: it would
        // then be overwritten by the older offset) or is waiting behind it (right).
        Thread committer = Thread.currentThread();
        Thread releaser = new Thread(() -> {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() ->
                    cluster.commitsCarriedOut() >= 1 || committer.getState() == Thread.State.WAITING
                            || committer.getState() == Thread.State.TIMED_WAITING);
            slowCommit.countDown();
        });
        releaser.start();
        consumer.commitSync();
        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.commitsCarriedOut() == 2);
        assertEquals(2L, cluster.committedOffset("ordered", P2));
    }

    @Test
    void aMemberNotPolledWithinMaxPollIntervalLeavesAndTheNextPollRejoins() {
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("stuck").maxPollInterval(Duration.ofMillis(300)), a);
        pollUntil(() -> a.owned.equals(ALL), consumer);
        awaitCondition(() -> cluster.groupMembers("stuck") == 0); // this thread does not poll meanwhile
        List<GroupHeartbeatRequest> heartbeats = cluster.heartbeats("stuck");
        assertEquals(-1, heartbeats.get(heartbeats.size() - 1).getMemberEpoch());
        assertEquals(300, heartbeats.get(0).getRebalanceTimeoutMs());

        pollUntil(() -> a.events.size() == 3 && a.owned.equals(ALL), consumer);
        assertEquals(List.of("assigned " + sorted(ALL), "lost " + sorted(ALL), "assigned " + sorted(ALL)), a.events);
        assertEquals(1, cluster.groupMembers("stuck"));
    }

    @Test
    void closeCommitsWithAutoCommitAndLeavesTheGroup() {
        produce(0, 2);
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("leaving").enableAutoCommit(true), a);
        List<ConsumerRecord> records = new ArrayList<>();
        pollUntil(records, () -> records.size() >= 2, consumer);
        consumer.close();
        consumers.remove(consumer);
        assertEquals(2L, cluster.committedOffset("leaving", P0));
        assertEquals(0, cluster.groupMembers("leaving"));
        List<GroupHeartbeatRequest> heartbeats = cluster.heartbeats("leaving");
        assertEquals(-1, heartbeats.get(heartbeats.size() - 1).getMemberEpoch());
        assertTrue(a.events.get(a.events.size() - 1).startsWith("revoked"), a.events.toString());
    }

    @Test
    void aStableMemberHeartbeatsNoMoreOftenThanTheIntervalWhenTheCoordinatorAnswersHeldHeartbeatsAtOnce() {
        cluster.groupHeartbeatInterval(200);
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("steady"), a);
        pollUntil(() -> a.owned.equals(ALL), consumer);
        awaitCondition(() -> cluster.heartbeats("steady").stream().filter(h -> h.getMaxWaitMs() > 0).count() >= 5);

        List<Long> arrivals = cluster.heartbeatArrivalsMs("steady");
        List<GroupHeartbeatRequest> heartbeats = cluster.heartbeats("steady");
        for (int i = 1; i < arrivals.size(); i++) {
            GroupHeartbeatRequest previous = heartbeats.get(i - 1);
            if (previous.getMaxWaitMs() > 0) {
                assertEquals(200, previous.getMaxWaitMs(), "a held heartbeat asks for a heartbeat interval");
                long gap = arrivals.get(i) - arrivals.get(i - 1);
                assertTrue(gap >= 150, "heartbeat " + i + " came " + gap + " ms after a held one answered at once");
            }
        }
    }

    @Test
    void closeLeavesAtOnceWhileAHeartbeatIsHeld() {
        cluster.groupHeartbeatInterval(10_000);
        cluster.neverAnswerHeldHeartbeats();
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("held-close"), a);
        pollUntil(() -> a.owned.equals(ALL), consumer);
        awaitCondition(() -> cluster.unansweredHeldHeartbeats() >= 1);

        long start = System.nanoTime();
        consumer.close();
        consumers.remove(consumer);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs < 2000, "close took " + tookMs + " ms with a heartbeat held for 10 s");
        assertEquals(0, cluster.groupMembers("held-close"));
        List<GroupHeartbeatRequest> heartbeats = cluster.heartbeats("held-close");
        assertEquals(-1, heartbeats.get(heartbeats.size() - 1).getMemberEpoch());
    }

    @Test
    void aHeldHeartbeatThatGetsNoAnswerIsFollowedByTheNextOnceItsDeadlinePasses() {
        cluster.groupHeartbeatInterval(200);
        cluster.neverAnswerHeldHeartbeats();
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("held-timeout").requestTimeout(Duration.ofMillis(300)), a);
        pollUntil(() -> a.owned.equals(ALL), consumer);
        // Each call's deadline is the hold (200 ms) plus the request timeout; then the member sends again.
        awaitCondition(() -> cluster.unansweredHeldHeartbeats() >= 3);
        assertEquals(1, cluster.groupMembers("held-timeout"));
        assertEquals(ALL, a.owned);
    }

    @Test
    void aSubscriptionChangeCancelsTheHeldHeartbeatAndIsSentAtOnce() {
        cluster.groupHeartbeatInterval(10_000);
        cluster.neverAnswerHeldHeartbeats();
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("held-subscribe"), a);
        pollUntil(() -> a.owned.equals(ALL), consumer);
        awaitCondition(() -> cluster.unansweredHeldHeartbeats() >= 1);

        consumer.subscribe(List.of(TOPIC, "views"), a);
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10)).until(() -> cluster
                .heartbeats("held-subscribe").stream().anyMatch(h -> h.getSubscribedTopicNames().getNamesCount() == 2));
    }

    @Test
    void aStaticMemberLeavesTemporarilyWithEpochMinusTwo() {
        Recorder a = new Recorder("a");
        Consumer consumer = subscribe(config("static").groupInstanceId("server-1"), a);
        pollUntil(() -> a.owned.equals(ALL), consumer);
        consumer.close();
        consumers.remove(consumer);
        List<GroupHeartbeatRequest> heartbeats = cluster.heartbeats("static");
        GroupHeartbeatRequest last = heartbeats.get(heartbeats.size() - 1);
        assertEquals(-2, last.getMemberEpoch());
        assertEquals("server-1", last.getInstanceId());
        assertEquals(1, cluster.groupMembers("static"));
    }

    @Test
    void subscribeNeedsAGroupIdAndExcludesAssign() {
        Consumer plain = new Consumer(ConsumerConfig.builder(cluster.bootstrap()).build(), cluster.channels());
        consumers.add(plain);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> plain.subscribe(List.of(TOPIC), RebalanceListener.NONE));
        assertTrue(e.getMessage().contains("group.id"), e.getMessage());
        Consumer member = subscribe(config("exclusive"), new Recorder("a"));
        assertThrows(IllegalStateException.class, () -> member.assign(List.of(P0)));
    }
}
