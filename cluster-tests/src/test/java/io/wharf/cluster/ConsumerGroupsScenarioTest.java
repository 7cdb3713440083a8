package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.WharfCli;
import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.client.admin.NewTopic;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerConfig;
import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.consumer.OffsetResetPolicy;
import io.wharf.client.consumer.RebalanceListener;
import io.wharf.client.group.GroupAdmin;
import io.wharf.client.group.GroupDescription;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.client.producer.RecordMetadata;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #9's scenario on real broker processes: an {@code ad-clicks} topic read by a
 * {@code settlement} group of three members that split its partitions (each click processed once
 * by the group) and by an {@code analytics} group that sees every click again; five members on
 * three partitions leave two idle; a member leaving cleanly loses its partition to the others at
 * once and a member killed with SIGKILL within its session timeout, while the others never give up
 * their own partitions and keep consuming them (no stop-the-world rebalance), and with commits
 * after processing nothing acknowledged is skipped. Then, after a "bug fix", {@code analytics} is
 * rewound with {@code wharf groups reset-offsets} on the real group: the dry run changes nothing,
 * every mode lands on the expected offsets, a group with a member is refused, and the rewound
 * group reprocesses exactly the clicks after the chosen time.
 */
class ConsumerGroupsScenarioTest {

    private static final String TOPIC = "ad-clicks";
    private static final int PARTITIONS = 3;

    private ProcessCluster cluster;
    private final List<Member> members = new CopyOnWriteArrayList<>();
    private Process killable;
    private GroupAdmin admin;

    /** Partitions a member gave back: revoked, or lost after a fence; at System.nanoTime() {@code atNanos}. */
    private record GivenBack(long atNanos, boolean lost, Set<TopicPartition> partitions) {
    }

    /** One in-JVM member polling on its own thread and committing after each batch it processed. */
    private final class Member implements AutoCloseable {
        final String group;
        final String name;
        final Map<String, AtomicInteger> processed;
        final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        /** Every revocation and loss, so a survivor of a rebalance can be shown to have kept its partitions. */
        final List<GivenBack> givenBack = new CopyOnWriteArrayList<>();
        /** When each partition was last assigned to this member (System.nanoTime()). */
        final Map<TopicPartition, Long> assignedAt = new ConcurrentHashMap<>();
        /** When this member first processed each click, "partition@offset" → System.nanoTime(). */
        final Map<String, Long> consumedAt = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final CompletableFuture<Void> stopped = new CompletableFuture<>();

        Member(String group, Map<String, AtomicInteger> processed) {
            this.group = group;
            this.processed = processed;
            this.name = group + "-member-" + members.size();
            Thread thread = new Thread(this::run, name);
            thread.setDaemon(true);
            thread.start();
            members.add(this);
        }

        private void run() {
            ConsumerConfig config = ConsumerConfig.builder(brokers()).groupId(group)
                    .autoOffsetReset(OffsetResetPolicy.EARLIEST).sessionTimeout(Duration.ofSeconds(3)).build();
            try (Consumer consumer = new Consumer(config)) {
                consumer.subscribe(List.of(TOPIC), new RebalanceListener() {
                    @Override
                    public void onPartitionsAssigned(Set<TopicPartition> partitions) {
                        long now = System.nanoTime();
                        partitions.forEach(tp -> assignedAt.put(tp, now));
                        owned.addAll(partitions);
                    }

                    @Override
                    public void onPartitionsRevoked(Set<TopicPartition> partitions) {
                        givenBack.add(new GivenBack(System.nanoTime(), false, Set.copyOf(partitions)));
                        owned.removeAll(partitions);
                    }

                    @Override
                    public void onPartitionsLost(Set<TopicPartition> partitions) {
                        givenBack.add(new GivenBack(System.nanoTime(), true, Set.copyOf(partitions)));
                        owned.removeAll(partitions);
                    }
                });
                while (running.get()) {
                    List<ConsumerRecord> batch = consumer.poll(Duration.ofMillis(200));
                    long polledAt = System.nanoTime();
                    for (ConsumerRecord record : batch) {
                        String click = record.partition() + "@" + record.offset();
                        consumedAt.putIfAbsent(click, polledAt);
                        processed.computeIfAbsent(click, k -> new AtomicInteger()).incrementAndGet();
                    }
                    if (!batch.isEmpty()) {
                        consumer.commitSync();
                    }
                }
            } finally {
                owned.clear();
                stopped.complete(null);
            }
        }

        @Override
        public String toString() {
            return name;
        }

        @Override
        public void close() {
            running.set(false);
            stopped.orTimeout(30, TimeUnit.SECONDS).join();
        }
    }

    @AfterEach
    void stop() {
        members.forEach(Member::close);
        if (killable != null) {
            killable.destroyForcibly();
        }
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void settlementSplitsTheClicksAnalyticsSeesThemAllAndAKilledMembersPartitionsMove() throws Exception {
        cluster = ProcessCluster.start("consumer-groups", 29700, 3, 3, Map.of(
                "offsets.topic.num.partitions", "3",
                "group.consumer.min.session.timeout.ms", "1000", "group.consumer.session.timeout.ms", "3000",
                "group.consumer.max.session.timeout.ms", "3000",
                "group.consumer.min.heartbeat.interval.ms", "100", "group.consumer.heartbeat.interval.ms", "300",
                "group.consumer.max.heartbeat.interval.ms", "1000"));
        assertTrue(cluster.admin().createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, 3,
                Map.of("min.insync.replicas", "2")))).get(0).succeeded());
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> cluster.fullyReplicated(TOPIC));
        Set<String> acknowledged = produce("first", 300);
        admin = new GroupAdmin(brokers(), Duration.ofSeconds(30));

        // Three settlement members split the partitions; analytics reads every click on its own.
        Map<String, AtomicInteger> settlement = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> analytics = new ConcurrentHashMap<>();
        List<Member> settlers = List.of(new Member("settlement", settlement), new Member("settlement", settlement),
                new Member("settlement", settlement));
        Member analyst = new Member("analytics", analytics);
        await("every click settled and analysed").atMost(Duration.ofSeconds(60))
                .until(() -> settlement.keySet().containsAll(acknowledged) && analytics.keySet().containsAll(acknowledged));
        await("one partition each").atMost(Duration.ofSeconds(30))
                .until(() -> settlers.stream().allMatch(m -> m.owned.size() == 1) && ownedOnce(settlers));
        assertEquals(Set.of(1), settlement.values().stream().map(AtomicInteger::get).collect(Collectors.toSet()),
                "each click settled exactly once by the group");
        assertEquals(Set.of(1), analytics.values().stream().map(AtomicInteger::get).collect(Collectors.toSet()),
                "and analysed exactly once by the other group");

        // Two more settlement members: partitions cap the parallelism, two stay idle.
        List<Member> five = new ArrayList<>(settlers);
        five.add(new Member("settlement", settlement));
        five.add(new Member("settlement", settlement));
        await("three busy, two idle").atMost(Duration.ofSeconds(30)).until(() -> ownedOnce(five)
                && five.stream().filter(m -> m.owned.isEmpty()).count() == 2);
        awaitSettled(5);
        Before beforeIdleLeave = Before.of(settlers);
        five.get(4).close();
        five.get(3).close();
        awaitSettled(3);
        beforeIdleLeave.assertKeptTheirPartitions("idle members leaving");

        // A member leaving cleanly: its partition is reassigned at once, not after a session timeout,
        // and the others keep theirs meanwhile (no stop-the-world rebalance).
        List<Member> remaining = settlers.subList(0, 2);
        Before beforeLeave = Before.of(remaining);
        settlers.get(2).close();
        long leftAt = System.nanoTime();
        await("the leaver's partition reassigned").atMost(Duration.ofSeconds(10))
                .until(() -> remaining.stream().mapToInt(m -> m.owned.size()).sum() == 3 && ownedOnce(remaining));
        long reassignedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - leftAt);
        assertTrue(reassignedMs < 3000, "reassigned " + reassignedMs + " ms after a clean leave");
        awaitSettled(2);
        beforeLeave.assertKeptTheirPartitions("a clean leave");

        // A settlement member in its own process, killed with SIGKILL once it owns a partition: the
        // others keep theirs, and keep consuming them while its partition waits out its session.
        killable = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")), WharfCli.class.getName(), "consume", TOPIC, "--group",
                "settlement", "--bootstrap", brokers().stream().map(Endpoint::toString).collect(Collectors.joining(",")))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        await("the process member owns a partition").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> remaining.stream().mapToInt(m -> m.owned.size()).sum() == 2);
        awaitSettled(3);
        Before beforeKill = Before.of(remaining);
        Set<TopicPartition> processPartitions = beforeKill.departed();
        assertEquals(1, processPartitions.size(), "the process member owns one partition: " + beforeKill);
        TopicPartition killedPartition = processPartitions.iterator().next();
        long killedAt;
        Instant betweenBatches;
        Set<String> second;
        try (Producer producer = new Producer(ProducerConfig.builder(brokers()).build())) {
            // metadata fetched before the kill, so the clicks go out at once after it, well within the session
            producer.partitionCount(TOPIC);
            killable.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            killedAt = System.nanoTime();
            betweenBatches = Instant.now();
            second = produce(producer, "second", 150);
        }
        await("the killed member's partition moves to the others").atMost(Duration.ofSeconds(20))
                .until(() -> remaining.stream().mapToInt(m -> m.owned.size()).sum() == 3 && ownedOnce(remaining));
        long movedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        assertTrue(movedMs < 15_000, "moved after " + movedMs + " ms; the session timeout is 3 s");
        await("nothing acknowledged is skipped").atMost(Duration.ofSeconds(60))
                .until(() -> settlement.keySet().containsAll(second));
        GroupDescription described = admin.describeGroup("settlement");
        assertEquals(2, described.members().size(), "the killed member was removed: " + described);
        awaitSettled(2);
        beforeKill.assertKeptTheirPartitions("a SIGKILL");
        long movedAt = remaining.stream().filter(m -> m.owned.contains(killedPartition)).findFirst()
                .orElseThrow().assignedAt.get(killedPartition);
        // The killed member's partition waits out its session; the survivors' must not wait with it.
        int onSurvivors = 0;
        for (String click : second) {
            Member owner = beforeKill.ownerOf(Integer.parseInt(click.split("@")[0]));
            if (owner == null) {
                continue;
            }
            onSurvivors++;
            Long consumedAt = owner.consumedAt.get(click);
            assertNotNull(consumedAt, click + " was not processed by its partition's owner");
            assertTrue(consumedAt < movedAt, click + " was processed " + ms(consumedAt - killedAt)
                    + " ms after the kill, but the killed member's partition moved after " + ms(movedAt - killedAt)
                    + " ms: the survivors stopped consuming their own partitions meanwhile");
        }
        assertTrue(onSurvivors > 0, "some clicks of the second batch landed on the survivors' partitions");

        // After a bug fix, analytics rewinds: reset-offsets on the real group, every mode.
        await("analytics read the second batch").atMost(Duration.ofSeconds(60))
                .until(() -> analytics.keySet().containsAll(second));
        analyst.close();
        await("analytics has no members").atMost(Duration.ofSeconds(30))
                .until(() -> admin.describeGroup("analytics").members().isEmpty());
        Map<Integer, Long> committed = committed(admin, "analytics");
        Map<Integer, Long> logEnd = new HashMap<>();
        admin.describeGroup("analytics").partitions()
                .forEach(p -> logEnd.put(p.partition().partition(), p.logEndOffset()));
        assertEquals(logEnd, committed, "analytics committed everything it read");
        assertEquals(0, resetOffsets("--to-earliest"), "a dry run");
        assertEquals(committed, committed(admin, "analytics"), "a dry run changes nothing");
        assertEquals(0, resetOffsets("--to-earliest", "--execute"));
        assertEquals(everyPartition(0L), committed(admin, "analytics"));
        assertEquals(0, resetOffsets("--to-offset", "5", "--execute"));
        assertEquals(everyPartition(5L), committed(admin, "analytics"));
        assertEquals(0, resetOffsets("--shift-by", "3", "--execute"));
        assertEquals(everyPartition(8L), committed(admin, "analytics"));
        assertEquals(0, resetOffsets("--shift-by", "-100", "--execute"));
        assertEquals(everyPartition(0L), committed(admin, "analytics"), "kept within the log");
        assertEquals(0, resetOffsets("--to-latest", "--execute"));
        assertEquals(logEnd, committed(admin, "analytics"));
        assertEquals(0, resetOffsets("--by-duration", "PT1H", "--execute"));
        assertEquals(everyPartition(0L), committed(admin, "analytics"), "everything is younger than an hour");
        assertEquals(0, resetOffsets("--to-datetime", betweenBatches.toString(), "--execute"));
        Map<Integer, Long> firstOfSecond = new HashMap<>();
        for (String at : second) {
            String[] parts = at.split("@");
            firstOfSecond.merge(Integer.parseInt(parts[0]), Long.parseLong(parts[1]), Math::min);
        }
        assertEquals(firstOfSecond, committed(admin, "analytics"), "the first click at or after the time");

        // Refused while the group has a member; then the rewound group reprocesses the second batch.
        Map<String, AtomicInteger> reprocessed = new ConcurrentHashMap<>();
        new Member("analytics", reprocessed);
        await("the new analytics member joined").atMost(Duration.ofSeconds(30))
                .until(() -> !admin.describeGroup("analytics").members().isEmpty());
        assertEquals(1, resetOffsets("--to-earliest", "--execute"), "refused while the group has members");
        assertTrue(cliErr.toString().contains("offsets can only be reset while it has none"), cliErr.toString());
        await("analytics reprocesses exactly the second batch").atMost(Duration.ofSeconds(60))
                .until(() -> reprocessed.keySet().equals(second));
    }

    private final StringWriter cliErr = new StringWriter();

    /** {@code wharf groups reset-offsets analytics --topic ad-clicks ARGS}, in this JVM; the exit code. */
    private int resetOffsets(String... args) {
        List<String> command = new ArrayList<>(List.of("groups", "reset-offsets", "analytics", "--topic", TOPIC));
        command.addAll(List.of(args));
        command.addAll(List.of("--bootstrap", brokers().stream().map(Endpoint::toString)
                .collect(Collectors.joining(","))));
        cliErr.getBuffer().setLength(0);
        CliEnvironment env = new CliEnvironment(Path.of("unused"), Optional.empty(), "unused-classpath",
                new PrintWriter(new StringWriter(), true), new PrintWriter(cliErr, true));
        return WharfCli.execute(env, command.toArray(String[]::new));
    }

    private static Map<Integer, Long> committed(GroupAdmin admin, String group) {
        Map<Integer, Long> offsets = new HashMap<>();
        admin.describeGroup(group).partitions().forEach(p -> offsets.put(p.partition().partition(), p.committedOffset()));
        return offsets;
    }

    private static Map<Integer, Long> everyPartition(long offset) {
        Map<Integer, Long> offsets = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            offsets.put(p, offset);
        }
        return offsets;
    }

    /**
     * Waits until the coordinator shows {@code members} settlement members, each holding its target
     * at the target's epoch: every revocation a rebalance needed has then been reported by its
     * member, so its listener ran.
     */
    private void awaitSettled(int members) {
        await("settlement stable with " + members + " members").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> {
                    GroupDescription described = admin.describeGroup("settlement");
                    return described.state().equals("STABLE") && described.members().size() == members;
                });
    }

    private static boolean ownedOnce(List<Member> group) {
        List<TopicPartition> all = new ArrayList<>();
        group.forEach(m -> all.addAll(m.owned));
        return all.size() == Set.copyOf(all).size() && all.size() == PARTITIONS;
    }

    private List<Endpoint> brokers() {
        return cluster.launcher().topology().brokerEndpoints();
    }

    /** Sends {@code count} keyed clicks with acks=all; returns each as "partition@offset". */
    private Set<String> produce(String prefix, int count) throws Exception {
        try (Producer producer = new Producer(ProducerConfig.builder(brokers()).build())) {
            return produce(producer, prefix, count);
        }
    }

    private static Set<String> produce(Producer producer, String prefix, int count) throws Exception {
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sent.add(producer.send(new ProducerRecord(TOPIC, null, null,
                    ("ad-" + (i % 17)).getBytes(StandardCharsets.UTF_8),
                    (prefix + "-click-" + i).getBytes(StandardCharsets.UTF_8), List.of())));
        }
        for (CompletableFuture<RecordMetadata> future : sent) {
            RecordMetadata metadata = future.get(30, TimeUnit.SECONDS);
            acknowledged.add(metadata.partition() + "@" + metadata.offset());
        }
        return acknowledged;
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /** What each surviving member owned, one partition each, just before other members went. */
    private record Before(long atNanos, Map<Member, Set<TopicPartition>> owned) {

        static Before of(List<Member> survivors) {
            long at = System.nanoTime();
            Map<Member, Set<TopicPartition>> owned = new LinkedHashMap<>();
            survivors.forEach(m -> owned.put(m, Set.copyOf(m.owned)));
            // one each, so "kept its own partitions" below is never vacuously true
            owned.values().forEach(partitions -> assertEquals(1, partitions.size(), "before: " + owned));
            return new Before(at, owned);
        }

        /** The partitions none of the survivors owned: those of the members about to go. */
        Set<TopicPartition> departed() {
            Set<TopicPartition> left = new HashSet<>();
            for (int p = 0; p < PARTITIONS; p++) {
                left.add(new TopicPartition(TOPIC, p));
            }
            owned.values().forEach(left::removeAll);
            return left;
        }

        Member ownerOf(int partition) {
            return owned.entrySet().stream().filter(e -> e.getValue().contains(new TopicPartition(TOPIC, partition)))
                    .map(Map.Entry::getKey).findFirst().orElse(null);
        }

        /**
         * No survivor gave back (revoked or lost) a partition it owned before, even for a moment,
         * and the survivors gained only the departed members' partitions: a coordinator that
         * revoked everything on a rebalance and handed it out again fails here.
         */
        void assertKeptTheirPartitions(String departure) {
            Set<TopicPartition> departed = departed();
            owned.forEach((member, before) -> {
                List<GivenBack> takenAway = member.givenBack.stream().filter(g -> g.atNanos() >= atNanos
                        && g.partitions().stream().anyMatch(before::contains)).toList();
                assertEquals(List.of(), takenAway, "a survivor of " + departure + " gave back a partition it owned "
                        + before);
                assertTrue(member.owned.containsAll(before), "a survivor of " + departure + " owned " + before
                        + ", now " + member.owned);
                Set<TopicPartition> gained = new HashSet<>(member.owned);
                gained.removeAll(before);
                assertTrue(departed.containsAll(gained), "a survivor of " + departure + " gained " + gained
                        + ", not only the departed members' " + departed);
            });
        }
    }
}
