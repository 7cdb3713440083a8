package io.wharf.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The history of a consumer group worked on through a nemesis run — what each member was told it
 * owns and at which member epoch, every commit it attempted and how it ended, and the committed
 * offsets read back — and the checks of Jepsen's Kafka analysis for groups:
 * <ul>
 *   <li><b>regressed commit</b>: of two acknowledged commits of one partition, the one sent after
 *       the other was acknowledged holds a lower offset. Commits in flight together are not
 *       ordered, so they are not compared;</li>
 *   <li><b>read below an acknowledged commit</b>: an OffsetFetch that started after a commit of
 *       a partition was acknowledged returned a lower offset for it, or none;</li>
 *   <li><b>owned twice in one epoch</b>: two members held one partition at the same member epoch.
 *       Under KIP-848 member epochs come from the group's assignment epochs, so they are
 *       comparable across members, and the coordinator gives a partition to a member at a new
 *       epoch only once its holder released it (or was fenced);</li>
 *   <li><b>zombie commit</b>: a commit of a partition acknowledged although, before it was sent,
 *       another member had been seen holding that partition at a later epoch than the committer's.
 *       A fenced member that has not learned of it yet still believes it owns its partitions
 *       (Kafka allows that), but the coordinator must refuse its commits.</li>
 * </ul>
 * Times are {@code System.nanoTime()} values of one JVM, so one member's time orders against
 * another's. Thread-safe: member and reader threads record, the test thread checks.
 */
final class GroupHistory {

    /** How a member learned what it owns. */
    enum Change {
        /** Told by onPartitionsAssigned: the partitions are new to it. */
        ASSIGNED,
        /** Told by onPartitionsRevoked: it gives them back, still a member. */
        REVOKED,
        /** Told by onPartitionsLost: it was fenced, they may belong to another member already. */
        LOST,
        /** Seen after a poll: everything it owns, at the epoch of its latest assignment. */
        HELD
    }

    /** What {@code member} learned at {@code atNanos}: a change of these partitions at member epoch {@code epoch}. */
    record Ownership(String member, int epoch, Change change, Set<Integer> partitions, long atNanos) {
        Ownership {
            partitions = Set.copyOf(partitions);
        }
    }

    /**
     * A commit of {@code offsets} (partition to next offset to consume) sent by {@code member} at
     * the member epoch it had applied, answered at {@code doneNanos}: acknowledged, or failed with
     * {@code failure}.
     */
    record Commit(String member, int epoch, Map<Integer, Long> offsets, long sentNanos, long doneNanos,
                  boolean acknowledged, String failure) {
        Commit {
            offsets = Map.copyOf(offsets);
        }
    }

    /** An OffsetFetch of the group's committed offsets (partition to offset; a partition left out has none). */
    record Read(Map<Integer, Long> offsets, long startNanos, long endNanos) {
        Read {
            offsets = Map.copyOf(offsets);
        }
    }

    private static final int EXAMPLES = 5;

    private final long originNanos;
    private final List<Ownership> ownerships = new ArrayList<>();
    private final List<Commit> commits = new ArrayList<>();
    private final List<Read> reads = new ArrayList<>();
    private int failedReads;
    private String lastReadFailure = "";

    /** @param originNanos the run's start: times in the anomalies are given as seconds since then */
    GroupHistory(long originNanos) {
        this.originNanos = originNanos;
    }

    synchronized void owned(Ownership ownership) {
        ownerships.add(ownership);
    }

    synchronized void committed(Commit commit) {
        commits.add(commit);
    }

    synchronized void read(Read read) {
        reads.add(read);
    }

    /** A read that got no answer: nothing to check, only counted. */
    synchronized void readFailed(String failure) {
        failedReads++;
        lastReadFailure = failure;
    }

    synchronized long acknowledgedCommits() {
        return commits.stream().filter(Commit::acknowledged).count();
    }

    synchronized long failedCommits() {
        return commits.stream().filter(c -> !c.acknowledged()).count();
    }

    synchronized int reads() {
        return reads.size();
    }

    /** Partitions given to or taken from members (assigned, revoked or lost), over all members. */
    synchronized long ownershipChanges() {
        return ownerships.stream().filter(o -> o.change() != Change.HELD).mapToLong(o -> o.partitions().size()).sum();
    }

    /** Members that lost their partitions to a fence. */
    synchronized long losses() {
        return ownerships.stream().filter(o -> o.change() == Change.LOST).count();
    }

    /** The figures for the run's log. */
    synchronized String summary() {
        return String.format(Locale.ROOT, "%d commits acknowledged, %d failed; %d reads (%d failed%s); %d members; "
                        + "%d partition moves, %d fences seen by members", acknowledgedCommits(), failedCommits(),
                reads.size(), failedReads, failedReads == 0 ? "" : ", last: " + lastReadFailure,
                ownerships.stream().map(Ownership::member).distinct().count(), ownershipChanges(), losses());
    }

    /** One line per kind of anomaly found (with up to 5 examples); empty when the history is clean. */
    synchronized List<String> anomalies() {
        List<String> regressed = new ArrayList<>();
        List<String> readsBelow = new ArrayList<>();
        Map<Integer, List<Commit>> acknowledged = acknowledgedByPartition();
        acknowledged.forEach((partition, acked) -> checkRegressions(partition, acked, regressed, readsBelow));
        List<String> anomalies = new ArrayList<>();
        describe(anomalies, "regressed commits (lower than a commit acknowledged before it was sent)", regressed);
        describe(anomalies, "reads below an acknowledged commit (an OffsetFetch started after the ack)",
                readsBelow);
        describe(anomalies, "partitions owned twice in one epoch", ownedTwice());
        describe(anomalies, "zombie commits (acknowledged after another member held the partition at a later "
                + "epoch)", zombieCommits(acknowledged));
        return anomalies;
    }

    private Map<Integer, List<Commit>> acknowledgedByPartition() {
        Map<Integer, List<Commit>> byPartition = new TreeMap<>();
        for (Commit commit : commits) {
            if (commit.acknowledged()) {
                commit.offsets().keySet().forEach(p -> byPartition.computeIfAbsent(p, k -> new ArrayList<>()).add(commit));
            }
        }
        return byPartition;
    }

    /**
     * Every acknowledged commit and every read of {@code partition}, against the highest commit
     * acknowledged before it was sent (or started): one sweep over the commits in ack order.
     */
    private void checkRegressions(int partition, List<Commit> acked, List<String> regressed, List<String> readsBelow) {
        List<Commit> byAck = acked.stream().sorted(Comparator.comparingLong(Commit::doneNanos)).toList();
        long[] ackTimes = byAck.stream().mapToLong(Commit::doneNanos).toArray();
        Commit[] highestSoFar = new Commit[byAck.size()];
        for (int i = 0; i < byAck.size(); i++) {
            Commit previous = i == 0 ? null : highestSoFar[i - 1];
            Commit current = byAck.get(i);
            highestSoFar[i] = previous != null && offset(previous, partition) >= offset(current, partition)
                    ? previous : current;
        }
        for (Commit commit : acked) {
            Commit before = highestAckedBefore(ackTimes, highestSoFar, commit.sentNanos());
            if (before != null && offset(commit, partition) < offset(before, partition)) {
                regressed.add(String.format(Locale.ROOT, "partition %d: %d committed by %s (epoch %d) sent at %s, after %s",
                        partition, offset(commit, partition), commit.member(), commit.epoch(),
                        seconds(commit.sentNanos()), acknowledgedCommit(before, partition)));
            }
        }
        for (Read read : reads) {
            Commit before = highestAckedBefore(ackTimes, highestSoFar, read.startNanos());
            Long offset = read.offsets().get(partition);
            if (before != null && (offset == null || offset < offset(before, partition))) {
                readsBelow.add(String.format(Locale.ROOT, "partition %d: read %s in an OffsetFetch started at %s, after %s",
                        partition, offset == null ? "no offset" : offset, seconds(read.startNanos()),
                        acknowledgedCommit(before, partition)));
            }
        }
    }

    /** The commit with the highest offset among those acknowledged strictly before {@code nanos}; null if none. */
    private static Commit highestAckedBefore(long[] ackTimes, Commit[] highestSoFar, long nanos) {
        int index = Arrays.binarySearch(ackTimes, nanos);
        int insertion = index >= 0 ? index : -index - 1;
        while (insertion > 0 && ackTimes[insertion - 1] >= nanos) {
            insertion--;  // equal ack times: binarySearch may land on any of them
        }
        return insertion == 0 ? null : highestSoFar[insertion - 1];
    }

    private List<String> ownedTwice() {
        Map<Integer, Map<Integer, Set<String>>> owners = new TreeMap<>();
        for (Ownership ownership : ownerships) {
            if (holds(ownership)) {
                ownership.partitions().forEach(p -> owners.computeIfAbsent(p, k -> new TreeMap<>())
                        .computeIfAbsent(ownership.epoch(), e -> new TreeSet<>()).add(ownership.member()));
            }
        }
        List<String> found = new ArrayList<>();
        owners.forEach((partition, byEpoch) -> byEpoch.forEach((epoch, members) -> {
            if (members.size() > 1) {
                found.add("partition " + partition + " at epoch " + epoch + " by " + members);
            }
        }));
        return found;
    }

    private List<String> zombieCommits(Map<Integer, List<Commit>> acknowledged) {
        List<String> found = new ArrayList<>();
        acknowledged.forEach((partition, acked) -> {
            List<Ownership> holders = ownerships.stream()
                    .filter(o -> holds(o) && o.partitions().contains(partition)).toList();
            for (Commit commit : acked) {
                holders.stream().filter(o -> !o.member().equals(commit.member()) && o.epoch() > commit.epoch()
                                && o.atNanos() < commit.sentNanos()).findFirst()
                        .ifPresent(newer -> found.add(String.format(Locale.ROOT, "partition %d: %d committed by %s at epoch %d, "
                                        + "sent at %s, acknowledged at %s, but %s held it at epoch %d from %s",
                                partition, offset(commit, partition), commit.member(), commit.epoch(),
                                seconds(commit.sentNanos()), seconds(commit.doneNanos()), newer.member(), newer.epoch(),
                                seconds(newer.atNanos()))));
            }
        });
        return found;
    }

    /** Whether {@code ownership} says its member held the partitions at its epoch (a member epoch is positive). */
    private static boolean holds(Ownership ownership) {
        return ownership.epoch() > 0
                && (ownership.change() == Change.ASSIGNED || ownership.change() == Change.HELD);
    }

    private static long offset(Commit commit, int partition) {
        return commit.offsets().get(partition);
    }

    private String acknowledgedCommit(Commit commit, int partition) {
        return String.format(Locale.ROOT, "%d committed by %s (epoch %d) was acknowledged at %s", offset(commit, partition),
                commit.member(), commit.epoch(), seconds(commit.doneNanos()));
    }

    private String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3f s", (nanos - originNanos) / 1e9);
    }

    private static void describe(List<String> anomalies, String kind, List<String> examples) {
        if (!examples.isEmpty()) {
            anomalies.add(examples.size() + " " + kind + ", e.g. " + examples.stream().limit(EXAMPLES).toList());
        }
    }
}
