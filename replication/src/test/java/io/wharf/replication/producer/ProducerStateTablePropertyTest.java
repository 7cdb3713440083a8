package io.wharf.replication.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.proto.common.ErrorCode;
import io.wharf.record.RecordBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random requests of new batches, retries (recent and too old), gaps and epoch changes from a few
 * producers, checked against a model that keeps every producer's whole history; a follower table
 * fed only by {@code onAppended} must end up answering exactly like the leader's.
 */
class ProducerStateTablePropertyTest {

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

    @Test
    void theTableAnswersLikeTheModelAndAFollowerRebuildsTheSameState() {
        for (long seed = 0; seed < 40; seed++) {
            run(new Random(seed), "seed " + seed);
        }
    }

    private static void run(Random random, String context) {
        ProducerStateTable leader = new ProducerStateTable();
        ProducerStateTable follower = new ProducerStateTable();
        Model model = new Model();
        List<Client> clients = List.of(new Client(1, 0), new Client(2, 0), new Client(3, Integer.MAX_VALUE - 20));
        long logEnd = 0;
        for (int step = 0; step < 400; step++) {
            Client client = clients.get(random.nextInt(clients.size()));
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

            AppendCheck expected = model.check(request);
            AppendCheck actual = leader.check(request, false);
            String where = context + " step " + step + " request " + request;
            if (expected instanceof AppendCheck.Rejected r) {
                assertEquals(r.code(), ((AppendCheck.Rejected) actual).code(), where);
                continue;
            }
            assertEquals(expected, actual, where);
            int duplicates = ((AppendCheck.Accepted) actual).duplicates().size();
            for (BatchIdentity b : request.subList(duplicates, request.size())) {
                long last = logEnd + (b.isIdempotent() ? Integer.toUnsignedLong(b.lastSequence() - b.firstSequence()) : 0);
                leader.onAppended(b, logEnd, last);
                follower.onAppended(b, logEnd, last);
                if (b.isIdempotent()) {
                    model.appended(b, logEnd, last);
                }
                logEnd = last + 1;
            }
        }
        for (Client client : clients) {
            assertEquals(leader.entry(client.id).map(ProducerEntry::batches),
                    follower.entry(client.id).map(ProducerEntry::batches), context);
            List<SequencedBatch> history = model.history.getOrDefault(client.id, List.of());
            assertEquals(history.subList(Math.max(0, history.size() - ProducerStateTable.RETAINED_BATCHES), history.size()),
                    leader.entry(client.id).map(ProducerEntry::batches).orElse(List.of()), context);
        }
    }
}
