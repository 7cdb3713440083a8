package io.wharf.cli.bench;

import io.grpc.ManagedChannel;
import io.wharf.cli.CliException;
import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerConfig;
import io.wharf.client.consumer.RebalanceListener;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * One member of a benchmark consumer group: its own thread creates a {@link Consumer}, subscribes
 * it to one topic, polls it in short polls until {@link #stop} is called, then closes it (which
 * leaves the group), reporting every change its rebalance listener is told of to a
 * {@link GroupOwnership}. Only that thread touches the consumer (it is not thread-safe); the
 * methods here may be called from any thread.
 */
public final class GroupBenchMember implements AutoCloseable {

    /** Short, so a stopped member begins to close at once and a new assignment is applied without delay. */
    private static final Duration POLL = Duration.ofMillis(20);

    private final String name;
    private final long closeTimeoutMs;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile long closeStartedNanos;
    private volatile RuntimeException failure;

    private GroupBenchMember(String name, long closeTimeoutMs, ConsumerConfig config, String topic,
                             GroupOwnership ownership, Function<Endpoint, ManagedChannel> channels) {
        this.name = name;
        this.closeTimeoutMs = closeTimeoutMs;
        this.thread = new Thread(() -> runMember(config, topic, ownership, channels), "bench-member-" + name);
        // a member that does not close in time must not keep the CLI's JVM alive
        thread.setDaemon(true);
    }

    /**
     * Starts a member named {@code name} of {@code config}'s group, subscribed to {@code topic};
     * {@link #awaitClosed} waits up to {@code closeTimeoutMs} for it to leave. Its gRPC channels
     * come from {@code channels}.
     */
    public static GroupBenchMember start(String name, ConsumerConfig config, String topic, GroupOwnership ownership,
                                         long closeTimeoutMs, Function<Endpoint, ManagedChannel> channels) {
        GroupBenchMember member = new GroupBenchMember(name, closeTimeoutMs, config, topic, ownership, channels);
        member.thread.start();
        return member;
    }

    public String name() {
        return name;
    }

    /** Asks the member to close its consumer after the poll under way; returns at once. */
    public void stop() {
        stopping = true;
    }

    /**
     * The System.nanoTime taken right before the member's thread called {@link Consumer#close};
     * meaningful once {@link #awaitClosed} has returned.
     */
    public long closeStartedNanos() {
        return closeStartedNanos;
    }

    /**
     * Stops the member and waits until its consumer is closed.
     *
     * @throws CliException when it is still closing after the timeout, or it failed
     */
    @Override
    public void close() {
        stop();
        awaitClosed();
    }

    /**
     * Waits until the member's thread has closed its consumer, after {@link #stop}.
     *
     * @throws CliException when it is still closing after the timeout, or it failed
     */
    public void awaitClosed() {
        try {
            thread.join(closeTimeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("INTERRUPTED", "interrupted while member " + name + " was closing");
        }
        if (thread.isAlive()) {
            throw new CliException("REQUEST_TIMED_OUT", "member " + name + " did not close within " + closeTimeoutMs
                    + " ms");
        }
        if (failure != null) {
            throw GroupOwnership.memberFailed(name, failure);
        }
    }

    private void runMember(ConsumerConfig config, String topic, GroupOwnership ownership,
                           Function<Endpoint, ManagedChannel> channels) {
        Set<TopicPartition> owned = new HashSet<>();
        RebalanceListener listener = new RebalanceListener() {
            @Override
            public void onPartitionsAssigned(Set<TopicPartition> partitions) {
                long now = System.nanoTime();
                owned.addAll(partitions);
                ownership.owns(name, owned, now);
            }

            @Override
            public void onPartitionsRevoked(Set<TopicPartition> partitions) {
                long now = System.nanoTime();
                owned.removeAll(partitions);
                ownership.owns(name, owned, now);
            }
        };
        try {
            Consumer consumer = new Consumer(config, channels);
            try {
                consumer.subscribe(List.of(topic), listener);
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
