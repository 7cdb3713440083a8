package io.wharf.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProducerFieldsTest {

    @Test
    void restampingTheProducerKeepsTheBatchValid() {
        RecordBatch batch = new RecordBatchBuilder(CompressionType.LZ4)
                .append(1L, "k".getBytes(), "v1".getBytes())
                .append(2L, null, "v2".getBytes())
                .buildBatch();
        assertEquals(RecordBatch.NO_SEQUENCE, batch.lastSequence());

        batch.setProducer(4711L, (short) 0, 17);

        assertTrue(batch.isValid());
        assertEquals(4711L, batch.producerId());
        assertEquals(0, batch.producerEpoch());
        assertEquals(17, batch.baseSequence());
        assertEquals(18, batch.lastSequence());
        assertEquals("v2", new String(batch.records().get(1).value()));
    }

    @Test
    void sequencesWrapPastIntegerMaxValueToZero() {
        assertEquals(5, RecordBatch.incrementSequence(2, 3));
        assertEquals(Integer.MAX_VALUE, RecordBatch.incrementSequence(Integer.MAX_VALUE - 1, 1));
        assertEquals(0, RecordBatch.incrementSequence(Integer.MAX_VALUE, 1));
        assertEquals(2, RecordBatch.incrementSequence(Integer.MAX_VALUE - 1, 4));
    }
}
