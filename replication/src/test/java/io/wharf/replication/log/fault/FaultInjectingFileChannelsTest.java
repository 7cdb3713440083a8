package io.wharf.replication.log.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.replication.log.LogFileChannels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fault-injecting channels on real files: delays, failures, healing, and pass-through otherwise. */
class FaultInjectingFileChannelsTest {

    @TempDir
    Path dir;

    private final AtomicReference<DiskFaults> faults = new AtomicReference<>(DiskFaults.NONE);
    private final List<Duration> delays = new CopyOnWriteArrayList<>();
    private final FaultInjectingFileChannels channels = new FaultInjectingFileChannels(LogFileChannels.DEFAULT,
            (file, operation) -> faults.get(), delays::add);

    @Test
    void aHealthyDiskPassesWritesReadsAndFsyncsThrough() throws IOException {
        Path file = dir.resolve("00000000000000000000.log");
        try (FileChannel channel = channels.open(file)) {
            channel.write(bytes("abc"), 0);
            channel.position(3).write(bytes("de"));
            channel.force(true);
            channel.truncate(4);
            ByteBuffer read = ByteBuffer.allocate(4);
            channel.read(read, 0);
            assertEquals("abcd", new String(read.array(), StandardCharsets.UTF_8));
        }
        assertEquals("abcd", Files.readString(file));
        assertEquals(List.of(), delays);
    }

    @Test
    void aSlowDiskHoldsUpEachWriteAndFsyncByItsDelay() throws IOException {
        try (FileChannel channel = channels.open(dir.resolve("a.log"))) {
            faults.set(new DiskFaults(Duration.ofMillis(30), Duration.ofMillis(200), false, false));
            channel.write(bytes("x"), 0);
            channel.force(false);
            ByteBuffer read = ByteBuffer.allocate(1);
            channel.read(read, 0);  // reads are not slowed
        }
        assertEquals(List.of(Duration.ofMillis(30), Duration.ofMillis(200)), delays);
    }

    @Test
    void aFailingFsyncThrowsAfterTheWriteWentThroughUntilHealed() throws IOException {
        Path file = dir.resolve("b.log");
        try (FileChannel channel = channels.open(file)) {
            faults.set(new DiskFaults(Duration.ZERO, Duration.ZERO, true, false));
            channel.write(bytes("kept"), 0);
            IOException failure = assertThrows(IOException.class, () -> channel.force(true));
            assertTrue(failure.getMessage().contains("injected fsync failure on " + file), failure.getMessage());
            faults.set(DiskFaults.NONE);
            channel.force(true);
        }
        assertEquals("kept", Files.readString(file));
    }

    @Test
    void failingWritesLeaveTheFileUntouched() throws IOException {
        Path file = dir.resolve("c.log");
        try (FileChannel channel = channels.open(file)) {
            faults.set(new DiskFaults(Duration.ZERO, Duration.ZERO, false, true));
            assertThrows(IOException.class, () -> channel.write(bytes("lost"), 0));
            assertThrows(IOException.class, () -> channel.write(bytes("lost")));
            assertThrows(IOException.class, () -> channel.write(new ByteBuffer[] {bytes("lost")}, 0, 1));
        }
        assertEquals(0, Files.size(file));
    }

    @Test
    void aFaultAppliesToChannelsOpenedBeforeIt() throws IOException {
        try (FileChannel before = channels.open(dir.resolve("d.log"))) {
            before.force(true);
            faults.set(new DiskFaults(Duration.ZERO, Duration.ZERO, true, false));
            assertThrows(IOException.class, () -> before.force(true));
        }
    }

    @Test
    void aFullDiskWritesHalfAPositionalWriteAndRefusesOtherWritesAndNewFiles() throws IOException {
        Path file = dir.resolve("f.log");
        try (FileChannel channel = channels.open(file)) {
            faults.set(new DiskFaults(Duration.ZERO, Duration.ZERO, false, false, true));
            IOException full = assertThrows(IOException.class, () -> channel.write(bytes("abcd"), 0));
            assertTrue(full.getMessage().startsWith("No space left on device"), full.getMessage());
            assertThrows(IOException.class, () -> channel.write(bytes("e")));
            assertThrows(IOException.class, () -> channel.transferFrom(channel, 0, 1));
            channel.force(true);
            try (FileChannel existing = channels.open(file)) {
                assertEquals(2, existing.size(), "an existing file still opens");
            }
            assertThrows(IOException.class, () -> channels.open(dir.resolve("g.log")));
        }
        assertEquals("ab", Files.readString(file));
        assertTrue(Files.notExists(dir.resolve("g.log")), "the refused file was not created");
    }

    @Test
    void theSourceIsAskedForEachFileAndOperation() throws IOException {
        List<String> asked = new CopyOnWriteArrayList<>();
        FaultInjectingFileChannels recording = new FaultInjectingFileChannels(LogFileChannels.DEFAULT,
                (file, operation) -> {
                    asked.add(file.getFileName() + " " + operation);
                    return DiskFaults.NONE;
                }, delays::add);
        try (FileChannel channel = recording.open(dir.resolve("h.log"))) {
            channel.write(bytes("x"), 0);
            channel.force(false);
            channel.read(ByteBuffer.allocate(1), 0);
            recording.open(dir.resolve("h.log")).close();
        }
        assertEquals(List.of("h.log CREATE", "h.log WRITE", "h.log FSYNC"), asked);
    }

    @Test
    void anInterruptedDelayFailsTheOperationAndKeepsTheInterrupt() throws IOException {
        FaultInjectingFileChannels interrupted = new FaultInjectingFileChannels(LogFileChannels.DEFAULT,
                (file, operation) -> new DiskFaults(Duration.ZERO, Duration.ofMillis(100), false, false), duration -> {
                    throw new InterruptedException("stopping");
                });
        try (FileChannel channel = interrupted.open(dir.resolve("e.log"))) {
            assertThrows(java.io.InterruptedIOException.class, () -> channel.force(true));
            assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
        }
    }

    private static ByteBuffer bytes(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }
}
