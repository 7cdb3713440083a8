package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * three partitions leave two idle; a member killed with SIGKILL loses its partitions to the others
 * within its session timeout while they keep consuming, and with commits after processing nothing
 * acknowledged is skipped. Then, after a "bug fix", {@code analytics} is rewound with
 * {@code wharf groups reset-offsets} on the real group: the dry run changes nothing, every mode
 * lands on the expected offsets, a group with a member is refused, and the rewound group
 * reprocesses exactly the clicks after the chosen time.
 */
class ConsumerGroupsScenarioTest {

    private static final String TOPIC = "ad-clicks";
    private static final int PARTITIONS = 3;

    private ProcessCluster cluster;
    private final List<Member> members = new CopyOnWriteArrayList<>();
    private Process killable;

    /** One in-JVM member polling on its own thread and committing after each batch it processed. */
    private final class Member implements AutoCloseable {
        final String group;
        final Map<String, AtomicInteger> processed;
        final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final CompletableFuture<Void> stopped = new CompletableFuture<>();

        Member(String group, Map<String, AtomicInteger> processed) {
            this.group = group;
            this.processed = processed;
            Thread thread = new Thread(this::run, group + "-member");
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
                        owned.addAll(partitions);
                    }

                    @Override
                    public void onPartitionsRevoked(Set<TopicPartition> partitions) {
                        owned.removeAll(partitions);
                    }
                });
                while (running.get()) {
                    List<ConsumerRecord> batch = consumer.poll(Duration.ofMillis(200));
                    for (ConsumerRecord record : batch) {
                        processed.computeIfAbsent(record.partition() + "@" + record.offset(), k -> new AtomicInteger())
                                .incrementAndGet();
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
        five.get(4).close();
        five.get(3).close();

        // A member leaving cleanly: its partition is reassigned at once, not after a session timeout.
        settlers.get(2).close();
        List<Member> remaining = settlers.subList(0, 2);
        long leftAt = System.nanoTime();
        await("the leaver's partition reassigned").atMost(Duration.ofSeconds(10))
                .until(() -> remaining.stream().mapToInt(m -> m.owned.size()).sum() == 3 && ownedOnce(remaining));
        long reassignedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - leftAt);
        assertTrue(reassignedMs < 3000, "reassigned " + reassignedMs + " ms after a clean leave");

        // A settlement member in its own process, killed with SIGKILL once it owns a partition.
        killable = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")), WharfCli.class.getName(), "consume", TOPIC, "--group",
                "settlement", "--bootstrap", brokers().stream().map(Endpoint::toString).collect(Collectors.joining(",")))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        GroupAdmin admin = new GroupAdmin(brokers(), Duration.ofSeconds(30));
        try {
            await("the process member owns a partition").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> remaining.stream().mapToInt(m -> m.owned.size()).sum() == 2);
            killable.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            long killedAt = System.nanoTime();
            Instant betweenBatches = Instant.now();
            Set<String> second = produce("second", 150);
            await("the killed member's partition moves to the others").atMost(Duration.ofSeconds(20))
                    .until(() -> remaining.stream().mapToInt(m -> m.owned.size()).sum() == 3 && ownedOnce(remaining));
            long movedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            assertTrue(movedMs < 15_000, "moved after " + movedMs + " ms; the session timeout is 3 s");
            await("nothing acknowledged is skipped").atMost(Duration.ofSeconds(60))
                    .until(() -> settlement.keySet().containsAll(second));
            GroupDescription described = admin.describeGroup("settlement");
            assertEquals(2, described.members().size(), "the killed member was removed: " + described);

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
        } finally {
            admin.close();
        }
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
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        try (Producer producer = new Producer(ProducerConfig.builder(brokers()).build())) {
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
        }
        return acknowledged;
    }
}
