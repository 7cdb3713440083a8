package io.wharf.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.proto.queue.Settle;
import io.wharf.record.CompressionType;
import io.wharf.record.CorruptRecordException;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueueEntryBatchesTest {

    private static final List<QueueEntry> ENTRIES = List.of(
            QueueLog.enqueue("p", 3, "body"),
            QueueLog.subscribe(QueueLog.consumer("c1", 10).setExclusive(true).setPriority(2)),
            QueueLog.settle("c1", Settle.Outcome.REJECT, 0L, 7L),
            QueueLog.gone("c1", ConsumerGone.Reason.TIMEOUT),
            QueueLog.purge(),
            QueueLog.move(0, "body"));

    /** The batches as a log stores them: each stamped with its base offset. */
    private static ByteBuffer log(List<ByteBuffer> batches) {
        int size = batches.stream().mapToInt(ByteBuffer::remaining).sum();
        ByteBuffer log = ByteBuffer.allocate(size);
        long offset = 0;
        for (ByteBuffer buffer : batches) {
            RecordBatch batch = RecordBatch.wrap(buffer.duplicate());
            batch.setBaseOffset(offset);
            offset = batch.nextOffset();
            log.put(batch.buffer().duplicate());
        }
        return log.flip();
    }

    @Test
    void entriesSurviveTheRoundTripWithTheirOffsetsAndTimestamps() {
        QueueLog source = new QueueLog();
        source.publish("x");
        source.checkpoint();
        List<QueueEntry> first = new ArrayList<>(ENTRIES);
        first.add(source.entries.get(1).entry());
        ByteBuffer log = log(List.of(QueueEntryBatches.encode(first, 1_000),
                QueueEntryBatches.encode(List.of(QueueLog.purge()), 2_000)));
        List<LoggedQueueEntry> decoded = QueueEntryBatches.decode(log, 0, Long.MAX_VALUE);
        assertEquals(first.size() + 1, decoded.size());
        for (int i = 0; i < first.size(); i++) {
            assertEquals(new LoggedQueueEntry(i, 1_000, first.get(i)), decoded.get(i));
        }
        assertEquals(new LoggedQueueEntry(first.size(), 2_000, QueueLog.purge()), decoded.get(first.size()));
        assertEquals(0, log.position());
    }

    @Test
    void decodingKeepsTheOffsetsAskedFor() {
        ByteBuffer log = log(List.of(QueueEntryBatches.encode(ENTRIES.subList(0, 3), 1),
                QueueEntryBatches.encode(ENTRIES.subList(3, 6), 2)));
        List<LoggedQueueEntry> decoded = QueueEntryBatches.decode(log, 2, 4);
        assertEquals(List.of(2L, 3L), decoded.stream().map(LoggedQueueEntry::offset).toList());
        assertEquals(ENTRIES.subList(2, 4), decoded.stream().map(LoggedQueueEntry::entry).toList());
        assertTrue(QueueEntryBatches.decode(log, 6, 10).isEmpty());
    }

    @Test
    void aRecordThatIsNotAQueueEntryIsCorruptionNamingItsOffset() {
        ByteBuffer good = QueueEntryBatches.encode(ENTRIES.subList(0, 2), 1);
        ByteBuffer garbage = new RecordBatchBuilder(CompressionType.NONE)
                .append(1, null, QueueLog.purge().toByteArray())
                .append(1, null, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}).build();
        CorruptRecordException e = assertThrows(CorruptRecordException.class,
                () -> QueueEntryBatches.decode(log(List.of(good, garbage)), 0, 100));
        assertTrue(e.getMessage().contains("offset 3"), e.getMessage());

        ByteBuffer empty = new RecordBatchBuilder(CompressionType.NONE).append(1, null, new byte[0]).build();
        e = assertThrows(CorruptRecordException.class, () -> QueueEntryBatches.decode(log(List.of(empty)), 0, 100));
        assertTrue(e.getMessage().contains("offset 0"), e.getMessage());

        ByteBuffer noValue = new RecordBatchBuilder(CompressionType.NONE).append(1, null, null).build();
        e = assertThrows(CorruptRecordException.class, () -> QueueEntryBatches.decode(log(List.of(noValue)), 0, 100));
        assertTrue(e.getMessage().contains("offset 0"), e.getMessage());
    }
}
