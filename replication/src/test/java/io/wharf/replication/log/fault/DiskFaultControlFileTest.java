package io.wharf.replication.log.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control file a test drives a broker's disk faults with, read as the broker reads it. */
class DiskFaultControlFileTest {

    @TempDir
    Path dir;

    @Test
    void noFileMeansAHealthyDisk() throws IOException {
        assertEquals(DiskFaults.NONE, new DiskFaultControlFile(dir.resolve("broker-1.faults")).current());
    }

    @Test
    void eachWriteIsSeenByTheNextReadAndClearingHeals() throws IOException {
        DiskFaultControlFile test = new DiskFaultControlFile(dir.resolve("broker-1.faults"));
        DiskFaultControlFile broker = new DiskFaultControlFile(dir.resolve("broker-1.faults"));
        DiskFaults slow = new DiskFaults(Duration.ofMillis(20), Duration.ofMillis(150), false, false);
        test.write(slow);
        assertEquals(slow, broker.current());
        assertEquals(slow, broker.current());
        DiskFaults failing = new DiskFaults(Duration.ZERO, Duration.ZERO, true, true);
        test.write(failing);
        assertEquals(failing, broker.current());
        test.clear();
        assertEquals(DiskFaults.NONE, broker.current());
        test.write(slow);
        assertEquals(slow, broker.current());
    }

    @Test
    void aMalformedFileFailsTheOperationNamingTheFile() throws IOException {
        Path file = dir.resolve("broker-2.faults");
        Files.writeString(file, "fsync.delay.ms=soon\n");
        IOException failure = assertThrows(IOException.class, () -> new DiskFaultControlFile(file).current());
        assertTrue(failure.getMessage().contains(file.toString()) && failure.getMessage().contains("fsync.delay.ms"),
                failure.getMessage());
    }

    @Test
    void theTextFormatReadsBackAndRejectsUnknownKeys() {
        DiskFaults faults = new DiskFaults(Duration.ofMillis(5), Duration.ofMillis(7), true, false);
        assertEquals(faults, DiskFaults.parse(faults.format()));
        assertEquals(new DiskFaults(Duration.ZERO, Duration.ofMillis(300), false, false),
                DiskFaults.parse("fsync.delay.ms=300\n"));
        assertThrows(IllegalArgumentException.class, () -> DiskFaults.parse("fail.disk=true\n"));
        assertThrows(IllegalArgumentException.class, () -> DiskFaults.parse("fail.fsyncs=yes\n"));
    }

    @Test
    void aFullDiskReadsBackAndOldFilesMeanSpaceIsLeft() {
        DiskFaults full = new DiskFaults(Duration.ZERO, Duration.ZERO, false, false, true);
        assertEquals(full, DiskFaults.parse(full.format()));
        assertEquals(full, DiskFaults.parse("disk.full=true\n"));
        assertFalse(DiskFaults.parse("fail.writes=true\n").diskFull());
    }
}
