package io.wharf.replication.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.replication.log.FlushMode;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogConfig;
import io.wharf.replication.log.LogProbe;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random requests of new batches, retries (recent and too old), gaps and epoch changes from a few
 * producers, checked against a model that keeps every producer's whole history; a log holding the
 * written batches must rebuild from them exactly the state the leader's table built.
 */
class ProducerStateTablePropertyTest {
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);
    private static final List<Long> PRODUCER_IDS = List.of(1L, 2L, 3L);

    @TempDir
    Path root;

    /** The model: every batch each producer wrote, and its epoch. */
    private static final class Model {
        final Map<Long, List<SequencedBatch>> history = new HashMap<>();
        final Map<Long, Short> epochs = new HashMap<>();

        /** The expected verdict, evaluated batch by batch on a scratch copy of the producers' positions. */
        AppendCheck check(List<BatchIdentity> request) {
            Map<Long, int[]> next = new HashMap<>();       // producer -> {epoch, next sequence} after new batches
            List<SequencedBatch> duplicates = new ArrayList<>();
            boolean sawNew = false;
            for (BatchIdentity b : request) {
                if (b.producerId() < 0) {
                    sawNew = true;
                    continue;
                }
                List<SequencedBatch> written = history.getOrDefault(b.producerId(), List.of());
                Short epoch = epochs.get(b.producerId());
                int[] pending = next.get(b.producerId());
                if (pending == null && epoch != null && b.producerEpoch() < epoch) {
                    return new AppendCheck.Rejected(ErrorCode.INVALID_PRODUCER_EPOCH, "");
                }
                if (pending == null && epoch != null && b.producerEpoch() == epoch) {
                    List<SequencedBatch> window = written.subList(Math.max(0, written.size() - ProducerStateTable.RETAINED_BATCHES), written.size());
                    SequencedBatch dup = window.stream().filter(w -> w.firstSequence() == b.firstSequence()
                            && w.lastSequence() == b.lastSequence()).findFirst().orElse(null);
                    if (dup != null) {
                        if (sawNew) {
                            return new AppendCheck.Rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE, "");
                        }
                        duplicates.add(dup);
                        continue;
                    }
                }
                int expected;
                if (pending != null) {
                    if (pending[0] != b.producerEpoch()) {
                        return new AppendCheck.Rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE, "");
                    }
                    expected = pending[1];
                } else if (epoch == null || b.producerEpoch() > epoch) {
                    expected = 0;
                } else {
                    expected = RecordBatch.incrementSequence(written.get(written.size() - 1).lastSequence(), 1);
                }
                if (b.firstSequence() != expected) {
                    return new AppendCheck.Rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE, "");
                }
                next.put(b.producerId(), new int[] {b.producerEpoch(), RecordBatch.incrementSequence(b.lastSequence(), 1)});
                sawNew = true;
            }
            return new AppendCheck.Accepted(duplicates);
        }

        void appended(BatchIdentity b, long base, long last) {
            if (epochs.containsKey(b.producerId()) && b.producerEpoch() > epochs.get(b.producerId())) {
                history.remove(b.producerId());
            }
            epochs.put(b.producerId(), b.producerEpoch());
            history.computeIfAbsent(b.producerId(), k -> new ArrayList<>())
                    .add(new SequencedBatch(b.firstSequence(), b.lastSequence(), base, last));
        }
    }

    /** One client: the next sequence it would use and the batches it sent. */
    private static final class Client {
        final long id;
        short epoch;
        int nextSequence;
        final List<BatchIdentity> sent = new ArrayList<>();

        Client(long id, int startSequence) {
            this.id = id;
            this.nextSequence = startSequence;
        }

        BatchIdentity fresh(Random random) {
            int count = 1 + random.nextInt(4);
            BatchIdentity b = new BatchIdentity(id, epoch, nextSequence,
                    RecordBatch.incrementSequence(nextSequence, count - 1));
            nextSequence = RecordBatch.incrementSequence(nextSequence, count);
            sent.add(b);
            return b;
        }
    }

    /** What a table remembers of one producer. */
    private record Remembered(short epoch, List<SequencedBatch> batches) {
    }

    @Test
    void theTableAnswersLikeTheModelAndALogRebuildsTheSameState() {
        for (long seed = 0; seed < 40; seed++) {
            run(new Random(seed), root.resolve("seed-" + seed), "seed " + seed);
        }
    }

    private static LogConfig logConfig() {
        return LogConfig.builder().flushMode(FlushMode.LAZY).segmentBytes(16 * 1024).segmentIndexBytes(1024).build();
    }

    /**
     * The leader's table is fed by {@code check} and {@code onAppended}; the written batches go to a
     * real {@link Log}, whose state is then rebuilt from their headers by the log itself (on open,
     * and on truncation back to earlier log ends), and must equal what the leader's table held.
     */
    private static void run(Random random, Path dir, String context) {
        ProducerStateTable leader = new ProducerStateTable();
        Model model = new Model();
        List<Client> clients = List.of(new Client(1, 0), new Client(2, 0), new Client(3, Integer.MAX_VALUE - 20));
        long logEnd = 0;
        TreeMap<Long, Map<Long, Remembered>> leaderStateAtLogEnd = new TreeMap<>();
        leaderStateAtLogEnd.put(0L, remembered(leader));
        try (Log log = Log.open(dir, logConfig(), CLOCK)) {
            for (int step = 0; step < 400; step++) {
                List<BatchIdentity> request = nextRequest(random, clients.get(random.nextInt(clients.size())));
                AppendCheck expected = model.check(request);
                AppendCheck actual = leader.check(request, false);
                String where = context + " step " + step + " request " + request;
                if (expected instanceof AppendCheck.Rejected r) {
                    assertEquals(r.code(), ((AppendCheck.Rejected) actual).code(), where);
                    continue;
                }
                assertEquals(expected, actual, where);
                int duplicates = ((AppendCheck.Accepted) actual).duplicates().size();
                List<BatchIdentity> written = request.subList(duplicates, request.size());
                if (written.isEmpty()) {
                    continue;
                }
                List<ByteBuffer> batches = new ArrayList<>();
                for (BatchIdentity b : written) {
                    long last = logEnd + (b.isIdempotent() ? Integer.toUnsignedLong(b.lastSequence() - b.firstSequence()) : 0);
                    batches.add(batch(b, logEnd, (int) (last - logEnd + 1)));
                    leader.onAppended(b, logEnd, last, 0);
                    if (b.isIdempotent()) {
                        model.appended(b, logEnd, last);
                    }
                    logEnd = last + 1;
                }
                log.appendAsFollower(concat(batches));
                leaderStateAtLogEnd.put(logEnd, remembered(leader));
            }
        }
        for (Client client : clients) {
            List<SequencedBatch> history = model.history.getOrDefault(client.id, List.of());
            assertEquals(history.subList(Math.max(0, history.size() - ProducerStateTable.RETAINED_BATCHES), history.size()),
                    leader.entry(client.id).map(ProducerEntry::batches).orElse(List.of()), context);
        }

        try (Log reopened = Log.open(dir, logConfig(), CLOCK)) {
            assertEquals(leaderStateAtLogEnd.lastEntry().getValue(), remembered(LogProbe.producerState(reopened)),
                    context + ": rebuilt on open");
            List<Long> logEnds = new ArrayList<>(leaderStateAtLogEnd.keySet());
            long cut = logEnd;
            for (int i = 0; i < 3; i++) {
                cut = logEnds.get(random.nextInt(logEnds.indexOf(cut) + 1));
                reopened.truncateTo(cut);
                assertEquals(leaderStateAtLogEnd.get(cut), remembered(LogProbe.producerState(reopened)),
                        context + ": rebuilt on truncation to " + cut);
            }
        }
    }

    private static List<BatchIdentity> nextRequest(Random random, Client client) {
        List<BatchIdentity> request = new ArrayList<>();
        int kind = random.nextInt(100);
        if (kind < 20 && !client.sent.isEmpty()) {
            int back = 1 + random.nextInt(Math.min(client.sent.size(), ProducerStateTable.RETAINED_BATCHES + 2));
            for (int i = client.sent.size() - back; i < client.sent.size() && request.size() < 3; i++) {
                request.add(client.sent.get(i));
            }
        } else if (kind < 25) {
            client.nextSequence = RecordBatch.incrementSequence(client.nextSequence, 1 + random.nextInt(3));
            request.add(client.fresh(random));
        } else if (kind < 28) {
            client.epoch++;
            client.nextSequence = random.nextInt(3) == 0 ? 1 : 0;
            request.add(client.fresh(random));
        } else if (kind < 30 && client.epoch > 0) {
            request.add(new BatchIdentity(client.id, (short) (client.epoch - 1), 0, 0));
        } else {
            for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
                request.add(client.fresh(random));
            }
        }
        if (random.nextInt(10) == 0) {
            request.add(random.nextInt(request.size() + 1), new BatchIdentity(-1, (short) -1, -1, -1));
        }
        return request;
    }

    /** A batch as a follower receives it: {@code count} records with {@code identity}'s producer fields, at {@code baseOffset}. */
    private static ByteBuffer batch(BatchIdentity identity, long baseOffset, int count) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE).baseOffset(baseOffset).partitionLeaderEpoch(0);
        if (identity.isIdempotent()) {
            builder.producer(identity.producerId(), identity.producerEpoch(), identity.firstSequence());
        }
        for (int i = 0; i < count; i++) {
            builder.append(CLOCK.millis(), null, new byte[] {(byte) i});
        }
        return builder.build();
    }

    private static ByteBuffer concat(List<ByteBuffer> batches) {
        ByteBuffer out = ByteBuffer.allocate(batches.stream().mapToInt(ByteBuffer::remaining).sum());
        batches.forEach(out::put);
        return out.flip();
    }

    private static Map<Long, Remembered> remembered(ProducerStateTable table) {
        Map<Long, Remembered> state = new HashMap<>();
        for (long id : PRODUCER_IDS) {
            table.entry(id).ifPresent(e -> state.put(id, new Remembered(e.epoch(), e.batches())));
        }
        assertEquals(state.size(), table.size(), "only the test's producers have state");
        return state;
    }
}
