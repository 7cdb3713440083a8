package io.wharf.cli.bench;

import io.wharf.cli.CliException;
import io.wharf.client.ClientException;
import io.wharf.client.TopicPartition;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Which partitions of one topic each member of a benchmark group owns, as its rebalance listener
 * was told, and since when a member has owned all of them. Thread-safe (one monitor): members
 * report from their polling threads, the benchmark waits on it.
 */
public final class GroupOwnership {

    private final int partitions;
    private final Map<String, Set<TopicPartition>> owned = new TreeMap<>();
    /** System.nanoTime at which a member's owned set last grew to every partition; absent while it owns fewer. */
    private final Map<String, Long> ownsAllSince = new HashMap<>();
    private CliException failure;

    /** @param partitions how many partitions the topic has */
    public GroupOwnership(int partitions) {
        this.partitions = partitions;
    }

    /** {@code member}'s listener was told at {@code atNanos} (System.nanoTime) that it now owns {@code now}. */
    public synchronized void owns(String member, Set<TopicPartition> now, long atNanos) {
        owned.put(member, Set.copyOf(now));
        if (now.size() < partitions) {
            ownsAllSince.remove(member);
        } else {
            ownsAllSince.putIfAbsent(member, atNanos);
        }
        notifyAll();
    }

    /** {@code member} stopped on {@code error}: every wait fails with it from now on. */
    public synchronized void failed(String member, RuntimeException error) {
        if (failure == null) {
            failure = memberFailed(member, error);
        }
        notifyAll();
    }

    /** The CLI's error for a member that failed: the client's error code when it has one. */
    static CliException memberFailed(String member, RuntimeException error) {
        if (error instanceof ClientException e) {
            return new CliException(e.code().name(), "member " + member + " failed: " + e.code() + ": " + e.getMessage());
        }
        return new CliException("MEMBER_FAILED", "member " + member + " failed: " + error);
    }

    /** Waits until {@code a} and {@code b} both own partitions and every partition has exactly one of them as owner. */
    public synchronized void awaitSplit(String a, String b, long timeoutMs) {
        await(() -> {
            Set<TopicPartition> ofA = owned.getOrDefault(a, Set.of());
            Set<TopicPartition> ofB = owned.getOrDefault(b, Set.of());
            Set<TopicPartition> union = new HashSet<>(ofA);
            union.addAll(ofB);
            return !ofA.isEmpty() && !ofB.isEmpty() && union.size() == partitions
                    && ofA.size() + ofB.size() == partitions;
        }, timeoutMs, a + " and " + b + " sharing the " + partitions + " partitions");
    }

    /** Waits until {@code member} owns every partition; returns the System.nanoTime its listener was told so. */
    public synchronized long awaitOwnsAll(String member, long timeoutMs) {
        await(() -> ownsAllSince.containsKey(member), timeoutMs, member + " owning all " + partitions + " partitions");
        return ownsAllSince.get(member);
    }

    private void await(BooleanSupplier condition, long timeoutMs, String what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            if (failure != null) {
                throw failure;
            }
            if (condition.getAsBoolean()) {
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new CliException("REQUEST_TIMED_OUT", "no " + what + " within " + timeoutMs
                        + " ms; owned now: " + owned);
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("INTERRUPTED", "interrupted while waiting for " + what);
            }
        }
    }
}
