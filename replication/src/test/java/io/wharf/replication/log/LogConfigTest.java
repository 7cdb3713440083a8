package io.wharf.replication.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LogConfigTest {

    @Test
    void defaultsMatchKafkaAndAreSafe() {
        LogConfig config = LogConfig.defaults();
        assertEquals(1073741824, config.segmentBytes());
        assertEquals(604800000L, config.segmentMs());
        assertEquals(4096, config.indexIntervalBytes());
        assertEquals(10485760, config.segmentIndexBytes());
        assertEquals(1048588, config.maxMessageBytes());
        assertEquals(FlushMode.SYNC, config.flushMode());
    }

    @Test
    void propertiesOverrideDefaultsAndIgnoreForeignKeys() {
        LogConfig config = LogConfig.fromProperties(Map.of("segment.bytes", "4096", "flush.mode", "LAZY",
                "retention.bytes", "100000", "cleanup.policy", "delete"));
        assertEquals(4096, config.segmentBytes());
        assertEquals(FlushMode.LAZY, config.flushMode());
        assertEquals(config.toString(), config.toBuilder().build().toString());
    }

    @Test
    void badValuesNameTheKey() {
        IllegalArgumentException notNumber = assertThrows(IllegalArgumentException.class,
                () -> LogConfig.fromProperties(Map.of("segment.ms", "soon")));
        assertTrue(notNumber.getMessage().contains("segment.ms"), notNumber.getMessage());
        IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
                () -> LogConfig.fromProperties(Map.of("segment.bytes", "10")));
        assertTrue(tooSmall.getMessage().contains("segment.bytes"), tooSmall.getMessage());
        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
                () -> LogConfig.fromProperties(Map.of("flush.mode", "sometimes")));
        assertTrue(mode.getMessage().contains("flush.mode"), mode.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LogConfig.fromProperties(Map.of("segment.bytes", "99999999999")));
        IllegalArgumentException retention = assertThrows(IllegalArgumentException.class,
                () -> new RetentionPolicy(-2, -1));
        assertTrue(retention.getMessage().contains("retention.ms"), retention.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RetentionPolicy(-1, -2));
    }
}
