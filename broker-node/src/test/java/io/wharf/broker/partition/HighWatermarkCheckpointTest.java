package io.wharf.broker.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.TopicPartition;
import io.wharf.replication.log.LogStorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replication-offset-checkpoint file: round trips, and damaged files rejected with the line at fault. */
class HighWatermarkCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void aMissingFileHoldsNoHighWatermarks() {
        assertEquals(Map.of(), new HighWatermarkCheckpoint(dir).read());
    }

    @Test
    void whatIsWrittenIsReadBackAndReplacesTheOldContent() throws IOException {
        HighWatermarkCheckpoint checkpoint = new HighWatermarkCheckpoint(dir);
        Random random = new Random(42);
        for (int round = 0; round < 20; round++) {
            Map<TopicPartition, Long> written = new HashMap<>();
            int entries = random.nextInt(6);
            for (int i = 0; i < entries; i++) {
                written.put(new TopicPartition("topic." + random.nextInt(3) + "_x-y", random.nextInt(5)),
                        (long) random.nextInt(1_000_000));
            }
            checkpoint.write(written);
            assertEquals(written, checkpoint.read());
        }
        checkpoint.write(Map.of(new TopicPartition("b", 1), 7L, new TopicPartition("a", 10), 3L,
                new TopicPartition("a", 2), 5L));
        assertEquals(List.of("0", "3", "a 2 5", "a 10 3", "b 1 7"),
                Files.readAllLines(checkpoint.path(), StandardCharsets.UTF_8), "sorted, one line per partition");
        assertFalse(Files.exists(dir.resolve(HighWatermarkCheckpoint.FILE_NAME + ".tmp")), "no temporary file left");
    }

    @Test
    void aDamagedFileIsRejectedNamingTheFileAndTheLine() throws IOException {
        assertCorrupt("", "line 1");
        assertCorrupt("1\n0\n", "line 1");
        assertCorrupt("0\n", "line 2");
        assertCorrupt("0\ntwo\n", "line 2");
        assertCorrupt("0\n3\na 0 5\nb 0 6\n", "announces 3 entries but holds 2");
        assertCorrupt("0\n1\na 0\n", "line 3");
        assertCorrupt("0\n1\na 0 five\n", "high watermark 'five'");
        assertCorrupt("0\n1\na -1 5\n", "partition -1 is out of range");
        assertCorrupt("0\n2\na 0 5\na 0 6\n", "appears twice");
    }

    private void assertCorrupt(String content, String expected) throws IOException {
        HighWatermarkCheckpoint checkpoint = new HighWatermarkCheckpoint(dir);
        Files.writeString(checkpoint.path(), content, StandardCharsets.UTF_8);
        LogStorageException e = assertThrows(LogStorageException.class, checkpoint::read, content);
        assertTrue(e.getMessage().contains(checkpoint.path().toString()) && e.getMessage().contains(expected),
                e.getMessage());
    }
}
