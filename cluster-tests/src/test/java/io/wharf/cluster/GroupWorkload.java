package io.wharf.cluster;

import static org.awaitility.Awaitility.await;

import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerConfig;
import io.wharf.client.consumer.ConsumerGroupMetadata;
import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.consumer.OffsetResetPolicy;
import io.wharf.client.consumer.RebalanceListener;
import io.wharf.client.group.GroupAdmin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer group worked on throughout a nemesis run: {@link #MEMBERS} SDK consumers of one group
 * read the run's topic, each on a thread this class owns, and commit what each poll returned with
 * commitSync; a reader thread fetches the group's committed offsets every {@link #READ_INTERVAL}.
 * Everything lands in a {@link GroupHistory}: what each member was told it owns and at which
 * member epoch, every commit and its outcome, every read. Each member leaves after a while and a
 * new one takes its place, so the group rebalances throughout the run; one whose poll fails (its
 * coordinator gone past the API timeout, a fatal group error) is replaced at once, as an
 * application would restart it. {@link #stop} stops the members and the reader, reads the
 * committed offsets once more, and returns the history to check.
 */
final class GroupWorkload implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GroupWorkload.class);
    private static final int MEMBERS = 3;
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(300);
    /** More than the producer writes to a partition in {@link #FETCH_MAX_WAIT}: each fetch waits it out. */
    private static final int FETCH_MIN_BYTES = 64 * 1024;
    private static final Duration FETCH_MAX_WAIT = Duration.ofMillis(250);
    private static final Duration READ_INTERVAL = Duration.ofMillis(250);
    /** The members' session: short, so a member cut off from its coordinator by a fault is fenced and rejoins. */
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);
    /** Bounds how long a blocked poll or commit holds up {@link #stop}. */
    private static final Duration API_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_LIMIT = Duration.ofSeconds(60);
    /**
     * How long a member stays before it leaves and a new one joins in its place (the n-th thread's
     * members {@code n} times {@link #LIFETIME_STAGGER} longer): the group rebalances every few
     * seconds whatever the faults do, so hand-overs happen while they are held. Faults alone rarely
     * move partitions: a coordinator that fails over keeps every member and its epoch.
     */
    private static final Duration MEMBER_LIFETIME = Duration.ofSeconds(20);
    private static final Duration LIFETIME_STAGGER = Duration.ofSeconds(7);

    private final String group;
    private final String topic;
    private final List<Endpoint> brokers;
    private final GroupHistory history;
    private final GroupAdmin admin;
    private final ExecutorService members;
    private final List<Future<?>> memberThreads = new ArrayList<>();
    private final ScheduledExecutorService reader;
    private volatile boolean running = true;

    /**
     * Starts the members of {@code group} on {@code topic} and the reader, through {@code brokers};
     * the history's times count from {@code startNanos}.
     */
    GroupWorkload(String group, String topic, List<Endpoint> brokers, long startNanos) {
        this.group = group;
        this.topic = topic;
        this.brokers = brokers;
        this.history = new GroupHistory(startNanos);
        this.admin = new GroupAdmin(brokers, Duration.ofSeconds(5));
        this.members = Executors.newFixedThreadPool(MEMBERS, runnable -> daemon(runnable, group + "-member"));
        this.reader = Executors.newSingleThreadScheduledExecutor(runnable -> daemon(runnable, group + "-reader"));
        for (int i = 0; i < MEMBERS; i++) {
            Duration lifetime = MEMBER_LIFETIME.plus(LIFETIME_STAGGER.multipliedBy(i));
            memberThreads.add(members.submit(() -> runMembers(lifetime)));
        }
        reader.scheduleWithFixedDelay(this::read, 0, READ_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    /**
     * One member after another on this thread, each replacing the last after {@code lifetime} or
     * when its poll failed; any other exception ends the thread and is rethrown by {@link #stop}.
     */
    private void runMembers(Duration lifetime) {
        while (running) {
            try (Consumer consumer = new Consumer(config())) {
                consume(consumer, System.nanoTime() + lifetime.toNanos());
            } catch (ClientException e) {
                if (running) {
                    LOG.info("group {}: a member failed, a new one replaces it: {}", group, e.getMessage());
                }
            }
        }
    }

    private ConsumerConfig config() {
        return ConsumerConfig.builder(brokers).groupId(group).autoOffsetReset(OffsetResetPolicy.EARLIEST)
                .enableAutoCommit(false).sessionTimeout(SESSION_TIMEOUT)
                // Fetches of a few hundred ms each: a commit per poll stays a few per second per
                // member, so the group's load does not slow the cluster's recovery from the faults.
                .fetchMinBytes(FETCH_MIN_BYTES).fetchMaxWait(FETCH_MAX_WAIT)
                .requestTimeout(Duration.ofSeconds(5)).defaultApiTimeout(API_TIMEOUT).build();
    }

    /** Polls and commits until the run stops or {@code leaveAtNanos} (System.nanoTime()) passes. */
    private void consume(Consumer consumer, long leaveAtNanos) {
        consumer.subscribe(List.of(topic), new Recording(consumer));
        ConsumerGroupMetadata noted = null;
        Set<TopicPartition> notedAssignment = Set.of();
        while (running && System.nanoTime() - leaveAtNanos < 0) {
            List<ConsumerRecord> records = consumer.poll(POLL_TIMEOUT);
            ConsumerGroupMetadata membership = consumer.groupMetadata();
            Set<TopicPartition> assignment = consumer.assignment();
            if (!membership.equals(noted) || !assignment.equals(notedAssignment)) {
                noted = membership;
                notedAssignment = assignment;
                history.owned(new GroupHistory.Ownership(membership.memberId(), membership.memberEpoch(),
                        GroupHistory.Change.HELD, partitions(assignment), System.nanoTime()));
            }
            if (!records.isEmpty()) {
                commit(consumer, membership, records);
            }
        }
    }

    /** Commits, per partition, the offset after the last record this poll returned. */
    private void commit(Consumer consumer, ConsumerGroupMetadata membership, List<ConsumerRecord> records) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        records.forEach(r -> offsets.merge(new TopicPartition(r.topic(), r.partition()), r.offset() + 1, Math::max));
        Map<Integer, Long> byPartition = offsets.entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().partition(), Map.Entry::getValue));
        long sent = System.nanoTime();
        try {
            consumer.commitSync(offsets);
            history.committed(new GroupHistory.Commit(membership.memberId(), membership.memberEpoch(), byPartition,
                    sent, System.nanoTime(), true, null));
        } catch (ClientException e) {
            history.committed(new GroupHistory.Commit(membership.memberId(), membership.memberEpoch(), byPartition,
                    sent, System.nanoTime(), false, e.code().name()));
        }
    }

    /** Reads the group's committed offsets; returns whether an answer came. */
    private boolean read() {
        long start = System.nanoTime();
        try {
            Map<Integer, Long> offsets = admin.committedOffsets(group).entrySet().stream()
                    .filter(e -> e.getKey().topic().equals(topic))
                    .collect(Collectors.toMap(e -> e.getKey().partition(), Map.Entry::getValue));
            history.read(new GroupHistory.Read(offsets, start, System.nanoTime()));
            return true;
        } catch (RuntimeException e) {
            // The coordinator is away (a fault): the read proves nothing either way, and the next one comes soon.
            history.readFailed(e.getMessage());
            return false;
        }
    }

    private static Set<Integer> partitions(Set<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
    }

    /**
     * Stops the members (each leaves the group) and the reader, then reads the committed offsets
     * once more (after every commit was answered); returns the history, whose anomalies the caller
     * checks.
     */
    GroupHistory stop() {
        running = false;
        awaitStopped(members, "members");
        awaitStopped(reader, "reader");
        for (Future<?> member : memberThreads) {
            try {
                member.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("a member thread of group " + group + " died: " + e.getCause(),
                        e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping group " + group, e);
            }
        }
        await("a last read of the committed offsets of group " + group).atMost(STOP_LIMIT)
                .pollInterval(READ_INTERVAL).until(this::read);
        LOG.info("group {}: {}", group, history.summary());
        return history;
    }

    private void awaitStopped(ExecutorService executor, String what) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(STOP_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the " + what + " of group " + group + " did not stop within "
                        + STOP_LIMIT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the " + what + " of group " + group, e);
        }
    }

    @Override
    public void close() {
        running = false;
        members.shutdownNow();
        reader.shutdownNow();
        admin.close();
    }

    /** Records what the group tells one member, on its polling thread, with the epoch it was told at. */
    private final class Recording implements RebalanceListener {

        private final Consumer consumer;

        Recording(Consumer consumer) {
            this.consumer = consumer;
        }

        @Override
        public void onPartitionsAssigned(Set<TopicPartition> partitions) {
            record(GroupHistory.Change.ASSIGNED, partitions);
        }

        @Override
        public void onPartitionsRevoked(Set<TopicPartition> partitions) {
            record(GroupHistory.Change.REVOKED, partitions);
        }

        @Override
        public void onPartitionsLost(Set<TopicPartition> partitions) {
            record(GroupHistory.Change.LOST, partitions);
        }

        private void record(GroupHistory.Change change, Set<TopicPartition> partitions) {
            ConsumerGroupMetadata membership = consumer.groupMetadata();
            history.owned(new GroupHistory.Ownership(membership.memberId(), membership.memberEpoch(), change,
                    GroupWorkload.partitions(partitions), System.nanoTime()));
        }
    }
}
