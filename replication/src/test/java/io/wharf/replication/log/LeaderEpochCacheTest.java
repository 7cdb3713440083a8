package io.wharf.replication.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaderEpochCacheTest {
    @TempDir
    Path dir;

    @Test
    void answersEndOffsetsLikeOffsetsForLeaderEpoch() {
        LeaderEpochCache cache = new LeaderEpochCache(dir);
        assertEquals(EpochEndOffset.UNDEFINED, cache.endOffsetFor(0, 0));
        cache.assign(2, 0);
        cache.assign(2, 10);
        cache.assign(4, 10);
        cache.assign(7, 25);
        cache.assign(3, 30);
        assertEquals(List.of(new EpochEntry(2, 0), new EpochEntry(4, 10), new EpochEntry(7, 25)), cache.entries());
        assertEquals(OptionalInt.of(7), cache.latestEpoch());
        assertEquals(EpochEndOffset.UNDEFINED, cache.endOffsetFor(1, 40));
        assertEquals(new EpochEndOffset(2, 10), cache.endOffsetFor(2, 40));
        assertEquals(new EpochEndOffset(2, 10), cache.endOffsetFor(3, 40));
        assertEquals(new EpochEndOffset(4, 25), cache.endOffsetFor(6, 40));
        assertEquals(new EpochEndOffset(7, 40), cache.endOffsetFor(7, 40));
        assertEquals(new EpochEndOffset(7, 40), cache.endOffsetFor(100, 40));
        assertThrows(IllegalArgumentException.class, () -> cache.assign(8, 20));
    }

    @Test
    void truncationFromEitherEndIsPersistedAtomically() throws Exception {
        LeaderEpochCache cache = new LeaderEpochCache(dir);
        cache.assign(1, 0);
        cache.assign(2, 100);
        cache.assign(3, 200);
        cache.truncateFromEnd(200);
        assertEquals(List.of(new EpochEntry(1, 0), new EpochEntry(2, 100)), new LeaderEpochCache(dir).entries());
        cache.truncateFromStart(150);
        assertEquals(List.of(new EpochEntry(2, 150)), new LeaderEpochCache(dir).entries());
        cache.truncateFromStart(150);
        assertEquals(List.of("0", "1", "2 150"), Files.readAllLines(dir.resolve(LeaderEpochCache.FILE_NAME)));
        assertFalse(Files.exists(dir.resolve(LeaderEpochCache.FILE_NAME + ".tmp")));
    }

    @Test
    void aMalformedCheckpointIsReportedWithItsPath() throws Exception {
        Files.writeString(dir.resolve(LeaderEpochCache.FILE_NAME), "0\n2\n1 0\n");
        LogStorageException e = assertThrows(LogStorageException.class, () -> new LeaderEpochCache(dir));
        assertEquals(true, e.getMessage().contains(LeaderEpochCache.FILE_NAME), e.getMessage());
    }
}
