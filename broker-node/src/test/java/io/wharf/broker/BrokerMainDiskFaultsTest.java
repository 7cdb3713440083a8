package io.wharf.broker;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.wharf.replication.log.LogFileChannels;
import io.wharf.replication.log.fault.DiskFaultControlFile;
import io.wharf.replication.log.fault.DiskFaults;
import io.wharf.replication.log.fault.FaultInjectingFileChannels;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Disk fault injection in a broker process is off unless the JVM property names a control directory. */
class BrokerMainDiskFaultsTest {

    @TempDir
    Path dir;

    @Test
    void withoutThePropertyTheBrokerOpensRealFiles() {
        assertSame(LogFileChannels.DEFAULT, BrokerMain.logFiles(1, new Properties()));
    }

    @Test
    void withThePropertyTheBrokersControlFileDrivesItsSegmentFiles() throws IOException {
        Properties properties = new Properties();
        properties.setProperty(BrokerMain.DISK_FAULT_CONTROL_DIR, dir.toString());
        LogFileChannels files = BrokerMain.logFiles(2, properties);
        assertInstanceOf(FaultInjectingFileChannels.class, files);
        new DiskFaultControlFile(dir.resolve("broker-2.faults"))
                .write(new DiskFaults(Duration.ZERO, Duration.ZERO, true, false));
        new DiskFaultControlFile(dir.resolve("broker-1.faults"))
                .write(new DiskFaults(Duration.ZERO, Duration.ZERO, false, true));
        try (FileChannel channel = files.open(dir.resolve("segment.log"))) {
            assertThrows(IOException.class, () -> channel.force(true));
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {1}), 0);  // broker 1's fault is not broker 2's
        }
    }
}
