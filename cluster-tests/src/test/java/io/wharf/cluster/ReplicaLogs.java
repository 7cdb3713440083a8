package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.wharf.record.Header;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatches;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogConfig;
import io.wharf.replication.log.LogSlice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Compares the replicas of a partition as they are on disk: each broker's segment files are
 * copied out of its partition directory (which is never written to) and opened with the
 * replication module's {@link Log}, whose recovery re-checks every batch's CRC, then read batch by
 * batch below the high watermark. Works on running or stopped brokers. Stateless; each call
 * cleans up its copies.
 */
final class ReplicaLogs {

    /** One record as stored: offset, timestamp, key, value and headers (bytes as hex). */
    record StoredRecord(long offset, long timestamp, String key, String value, List<String> headers) {
    }

    /**
     * One batch as stored: its boundaries, the leader epoch stamped on it, its CRC (which covers
     * every byte after the epoch) and its records.
     */
    record StoredBatch(long baseOffset, long lastOffset, int leaderEpoch, long crc, List<StoredRecord> records) {
    }

    /** A replica's batches below some offset, and where its log ends. */
    record Replica(int brokerId, long logStartOffset, long logEndOffset, List<StoredBatch> batches) {
    }

    private static final int READ_BYTES = 1 << 20;

    private ReplicaLogs() {
    }

    /**
     * Waits until every broker in {@code brokerIds} holds {@code topic}-{@code partition} up to
     * {@code highWatermark} on disk, then asserts that their logs are identical below it: the same
     * batches (base and last offset, leader epoch, CRC) holding the same records.
     *
     * @return the replicas read, for further checks
     */
    static List<Replica> assertIdenticalUpTo(ProcessCluster cluster, String topic, int partition,
                                             List<Integer> brokerIds, long highWatermark, Duration catchUp) {
        Map<Integer, Replica> replicas = new LinkedHashMap<>();
        await().atMost(catchUp).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (int id : brokerIds) {
                if (!replicas.containsKey(id)) {
                    Replica replica = read(id, partitionDir(cluster, id, topic, partition), highWatermark);
                    if (replica.logEndOffset() >= highWatermark) {
                        replicas.put(id, replica);
                    }
                }
            }
            return replicas.size() == brokerIds.size();
        });
        Replica reference = replicas.values().iterator().next();
        assertTrue(reference.batches().isEmpty()
                        || reference.batches().get(reference.batches().size() - 1).lastOffset() + 1 >= highWatermark,
                topic + "-" + partition + " on broker " + reference.brokerId() + " has no batch reaching the HW "
                        + highWatermark);
        for (Replica other : replicas.values()) {
            assertSameBatches(topic + "-" + partition, reference, other);
        }
        return List.copyOf(replicas.values());
    }

    /** The directory in which broker {@code brokerId} keeps its replica of the partition. */
    static Path partitionDir(ProcessCluster cluster, int brokerId, String topic, int partition) {
        return cluster.launcher().paths(cluster.broker(brokerId)).data().resolve(topic + "-" + partition);
    }

    /**
     * Reads the batches of the replica in {@code partitionDir} that start below {@code upTo},
     * from a copy of its segment files (indexes and checkpoints are rebuilt by a full recovery).
     */
    static Replica read(int brokerId, Path partitionDir, long upTo) {
        Path copy = null;
        try {
            copy = Files.createTempDirectory("replica-" + brokerId + "-");
            copySegments(partitionDir, copy);
            try (Log log = Log.open(copy, LogConfig.builder().segmentIndexBytes(64 * 1024).build(),
                    Clock.systemUTC())) {
                List<StoredBatch> batches = new ArrayList<>();
                long offset = log.logStartOffset();
                while (offset < Math.min(upTo, log.logEndOffset())) {
                    LogSlice slice = log.read(offset, READ_BYTES, upTo);
                    if (slice.isEmpty()) {
                        break;
                    }
                    for (RecordBatch batch : RecordBatches.validateAll(slice.toByteBuffer())) {
                        batches.add(stored(batch));
                    }
                    offset = slice.nextOffset();
                }
                return new Replica(brokerId, log.logStartOffset(), log.logEndOffset(), batches);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the replica in " + partitionDir, e);
        } finally {
            if (copy != null) {
                deleteRecursively(copy);
            }
        }
    }

    private static void assertSameBatches(String partition, Replica expected, Replica actual) {
        String who = partition + " on broker " + actual.brokerId() + " vs broker " + expected.brokerId();
        assertEquals(expected.logStartOffset(), actual.logStartOffset(), who + ": log start offsets differ");
        int common = Math.min(expected.batches().size(), actual.batches().size());
        for (int i = 0; i < common; i++) {
            StoredBatch want = expected.batches().get(i);
            StoredBatch got = actual.batches().get(i);
            if (!want.equals(got)) {
                fail(who + ": batch #" + i + " differs\n  broker " + expected.brokerId() + ": " + describe(want)
                        + "\n  broker " + actual.brokerId() + ": " + describe(got));
            }
        }
        assertEquals(expected.batches().size(), actual.batches().size(), who + ": batch counts below the HW differ");
    }

    private static String describe(StoredBatch batch) {
        return "offsets " + batch.baseOffset() + ".." + batch.lastOffset() + " epoch " + batch.leaderEpoch() + " crc "
                + batch.crc() + " records " + batch.records();
    }

    private static StoredBatch stored(RecordBatch batch) {
        HexFormat hex = HexFormat.of();
        List<StoredRecord> records = new ArrayList<>();
        for (Record record : batch.records()) {
            List<String> headers = new ArrayList<>();
            for (Header header : record.headers()) {
                headers.add(header.key() + "=" + (header.value() == null ? "null" : hex.formatHex(header.value())));
            }
            records.add(new StoredRecord(record.offset(), record.timestamp(),
                    record.key() == null ? null : hex.formatHex(record.key()),
                    record.value() == null ? null : hex.formatHex(record.value()), List.copyOf(headers)));
        }
        return new StoredBatch(batch.baseOffset(), batch.lastOffset(), batch.partitionLeaderEpoch(), batch.checksum(),
                List.copyOf(records));
    }

    /** Copies the segment files; none when the broker has not created the directory yet. */
    private static void copySegments(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from, "*.log")) {
            for (Path file : files) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the copy " + dir, e);
        }
    }
}
