import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reassignment after a clean leave, measured on Apache Kafka the way {@code wharf bench group-leave}
 * measures Wharf (issue #9): each trial, in a new group, members A and B share a topic's
 * partitions; A's thread takes System.nanoTime and calls {@link KafkaConsumer#close()} (its leave);
 * the figure is the time from then to B's {@link ConsumerRebalanceListener#onPartitionsAssigned}
 * finding {@code consumer.assignment()} to hold every partition. Each KafkaConsumer is created,
 * polled and closed by its own thread only; the main thread waits on a shared monitor.
 *
 * <p>Usage: {@code GroupLeaveReassignment <bootstrap servers> <topic> <trials> <consumer|classic>}.
 * Prints {@code trial N: ...} per trial and {@code N trials: min X ms, median Y ms, max Z ms}, as
 * the Wharf tool does. Not part of the Maven build; see README.md beside it.
 */
public final class GroupLeaveReassignment {

    /** Short, so a stopped member begins to close at once and a new assignment is applied without delay. */
    private static final Duration POLL = Duration.ofMillis(20);
    /** Per phase, as the Wharf tool's default --timeout-ms. */
    private static final long TIMEOUT_MS = 60_000;

    private GroupLeaveReassignment() {
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (RuntimeException e) {
            System.err.println("GroupLeaveReassignment: " + e);
            System.exit(1);
        }
        // a member thread or client thread still closing must not keep the JVM alive
        System.exit(0);
    }

    private static void run(String[] args) {
        if (args.length != 4 || !(args[3].equals("consumer") || args[3].equals("classic"))) {
            usage("expected 4 arguments: <bootstrap servers> <topic> <trials> <consumer|classic>");
        }
        String bootstrap = args[0];
        String topic = args[1];
        int trials = parseTrials(args[2]);
        String protocol = args[3];
        int partitions = partitionCount(bootstrap, topic);
        if (partitions < 2) {
            usage("topic " + topic + " has " + partitions + " partition(s); two members can both own partitions "
                    + "only with at least 2");
        }
        // one id per run, so that each trial's group is new even when the program runs again
        String runId = UUID.randomUUID().toString().substring(0, 8);
        List<Double> times = new ArrayList<>();
        for (int i = 1; i <= trials; i++) {
            String group = "bench-group-leave-" + runId + "-" + i;
            double ms = measure(consumerProperties(bootstrap, group, protocol), topic, partitions);
            times.add(Math.round(ms * 10) / 10.0);
            System.out.printf(Locale.ROOT, "trial %d: B owned all partitions %.1f ms after A began to close "
                    + "(group %s)%n", i, ms, group);
        }
        double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int middle = sorted.length / 2;
        double median = sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        System.out.printf(Locale.ROOT, "%d trials: min %.1f ms, median %.1f ms, max %.1f ms%n", sorted.length,
                sorted[0], median, sorted[sorted.length - 1]);
    }

    private static int parseTrials(String value) {
        try {
            int trials = Integer.parseInt(value);
            if (trials >= 1) {
                return trials;
            }
        } catch (NumberFormatException e) {
            // reported below with the usage
        }
        usage("trials must be a whole number of at least 1, got " + value);
        return 0;
    }

    private static void usage(String problem) {
        System.err.println("GroupLeaveReassignment: " + problem);
        System.err.println("usage: GroupLeaveReassignment <bootstrap servers> <topic> <trials> <consumer|classic>");
        System.exit(2);
    }

    /**
     * As close to the Wharf tool's consumers as Kafka allows: no auto-commit (so close commits
     * nothing), start at the log end, and everything else Kafka's default.
     */
    private static Properties consumerProperties(String bootstrap, String group, String protocol) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        properties.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        properties.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return properties;
    }

    private static int partitionCount(String bootstrap, String topic) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        properties.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT_MS));
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic);
            return infos == null ? 0 : infos.size();
        }
    }

    /** One trial: milliseconds from A's close starting to B owning every partition. */
    private static double measure(Properties properties, String topic, int partitions) {
        Ownership ownership = new Ownership(partitions);
        try (Member a = Member.start("A", properties, topic, ownership);
             Member b = Member.start("B", properties, topic, ownership)) {
            ownership.awaitSplit(a.name, b.name);
            a.stop();
            long bOwnsAll = ownership.awaitOwnsAll(b.name);
            a.awaitClosed(); // its thread has ended: the time it took before close() is safe to read
            return (bOwnsAll - a.closeStartedNanos) / 1e6;
        }
    }

    /**
     * Which partitions each member owns, as its listener found {@code assignment()}, and since when
     * a member has owned all of them. Thread-safe (one monitor).
     */
    private static final class Ownership {
        private final int partitions;
        private final Map<String, Set<TopicPartition>> owned = new TreeMap<>();
        /** System.nanoTime at which a member's assignment last grew to every partition; absent while it holds fewer. */
        private final Map<String, Long> ownsAllSince = new HashMap<>();
        private String failure;

        Ownership(int partitions) {
            this.partitions = partitions;
        }

        synchronized void owns(String member, Set<TopicPartition> now, long atNanos) {
            owned.put(member, Set.copyOf(now));
            if (now.size() < partitions) {
                ownsAllSince.remove(member);
            } else {
                ownsAllSince.putIfAbsent(member, atNanos);
            }
            notifyAll();
        }

        synchronized void failed(String member, RuntimeException error) {
            if (failure == null) {
                failure = "member " + member + " failed: " + error;
            }
            notifyAll();
        }

        /** Waits until {@code a} and {@code b} both own partitions and every partition has exactly one of them as owner. */
        synchronized void awaitSplit(String a, String b) {
            await(() -> {
                Set<TopicPartition> ofA = owned.getOrDefault(a, Set.of());
                Set<TopicPartition> ofB = owned.getOrDefault(b, Set.of());
                Set<TopicPartition> union = new HashSet<>(ofA);
                union.addAll(ofB);
                return !ofA.isEmpty() && !ofB.isEmpty() && union.size() == partitions
                        && ofA.size() + ofB.size() == partitions;
            }, a + " and " + b + " sharing the " + partitions + " partitions");
        }

        /** Waits until {@code member} owns every partition; returns the System.nanoTime its listener found so. */
        synchronized long awaitOwnsAll(String member) {
            await(() -> ownsAllSince.containsKey(member), member + " owning all " + partitions + " partitions");
            return ownsAllSince.get(member);
        }

        private void await(BooleanSupplier condition, String what) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
            while (true) {
                if (failure != null) {
                    throw new IllegalStateException(failure);
                }
                if (condition.getAsBoolean()) {
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("no " + what + " within " + TIMEOUT_MS + " ms; owned now: " + owned);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for " + what, e);
                }
            }
        }
    }

    /**
     * One member: its own thread creates a KafkaConsumer, subscribes, polls until stopped, then
     * takes System.nanoTime and closes it. Only that thread touches the consumer.
     */
    private static final class Member implements AutoCloseable {
        private final String name;
        private final Thread thread;
        private volatile boolean stopping;
        private volatile long closeStartedNanos;
        private volatile RuntimeException failure;

        private Member(String name, Properties properties, String topic, Ownership ownership) {
            this.name = name;
            this.thread = new Thread(() -> run(properties, topic, ownership), "member-" + name);
            // a member that does not close in time must not keep the JVM alive
            thread.setDaemon(true);
        }

        static Member start(String name, Properties properties, String topic, Ownership ownership) {
            Member member = new Member(name, properties, topic, ownership);
            member.thread.start();
            return member;
        }

        void stop() {
            stopping = true;
        }

        /** Stops the member and waits for its consumer to be closed. */
        @Override
        public void close() {
            stop();
            awaitClosed();
        }

        /** Waits for the thread to end (after {@link #stop}); fails when it is still closing after the timeout, or it failed. */
        void awaitClosed() {
            try {
                thread.join(TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while member " + name + " was closing", e);
            }
            if (thread.isAlive()) {
                throw new IllegalStateException("member " + name + " did not close within " + TIMEOUT_MS + " ms");
            }
            if (failure != null) {
                throw new IllegalStateException("member " + name + " failed: " + failure, failure);
            }
        }

        private void run(Properties properties, String topic, Ownership ownership) {
            try {
                KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties);
                try {
                    consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                        @Override
                        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                            long now = System.nanoTime();
                            ownership.owns(name, consumer.assignment(), now);
                        }

                        @Override
                        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                            // called while the partitions are still in assignment()
                            long now = System.nanoTime();
                            Set<TopicPartition> remaining = new HashSet<>(consumer.assignment());
                            remaining.removeAll(partitions);
                            ownership.owns(name, remaining, now);
                        }
                    });
                    while (!stopping) {
                        consumer.poll(POLL);
                    }
                } finally {
                    // not try-with-resources: the measured time starts right before close() is called
                    closeStartedNanos = System.nanoTime();
                    consumer.close();
                }
            } catch (RuntimeException e) {
                failure = e;
                ownership.failed(name, e);
            }
        }
    }
}
