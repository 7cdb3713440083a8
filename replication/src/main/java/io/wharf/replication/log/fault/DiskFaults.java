package io.wharf.replication.log.fault;

import java.io.IOException;
import java.io.StringReader;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;

/**
 * The storage faults injected into a broker's log directory at one moment: how long each segment
 * write and each fsync is held up (a slow disk), whether fsyncs or writes fail (a failing disk),
 * and whether the disk is full. Immutable.
 *
 * @param writeDelay how long each segment write waits before it reaches the file
 * @param fsyncDelay how long each fsync waits before it reaches the disk
 * @param failFsyncs every fsync throws instead of reaching the disk
 * @param failWrites every segment write throws instead of reaching the file
 * @param diskFull   the file system is out of space (ENOSPC): a positional write stores half its
 *     bytes before it throws, other writes and the creation of a new segment file throw at once
 */
public record DiskFaults(Duration writeDelay, Duration fsyncDelay, boolean failFsyncs, boolean failWrites,
        boolean diskFull) {

    /** A healthy disk. */
    public static final DiskFaults NONE = new DiskFaults(Duration.ZERO, Duration.ZERO, false, false, false);

    private static final String WRITE_DELAY_MS = "write.delay.ms";
    private static final String FSYNC_DELAY_MS = "fsync.delay.ms";
    private static final String FAIL_FSYNCS = "fail.fsyncs";
    private static final String FAIL_WRITES = "fail.writes";
    private static final String DISK_FULL = "disk.full";
    private static final Set<String> KEYS = Set.of(WRITE_DELAY_MS, FSYNC_DELAY_MS, FAIL_FSYNCS, FAIL_WRITES,
            DISK_FULL);

    public DiskFaults {
        if (writeDelay.isNegative() || fsyncDelay.isNegative()) {
            throw new IllegalArgumentException("delays must not be negative: write " + writeDelay + ", fsync "
                    + fsyncDelay);
        }
    }

    /** Faults on a disk that still has space: slow or failing, never full. */
    public DiskFaults(Duration writeDelay, Duration fsyncDelay, boolean failFsyncs, boolean failWrites) {
        this(writeDelay, fsyncDelay, failFsyncs, failWrites, false);
    }

    /**
     * Reads faults from the text of a control file in {@link Properties} syntax, e.g.
     * {@code fsync.delay.ms=200}, {@code fail.fsyncs=true} or {@code disk.full=true}; absent keys mean no fault of that kind.
     *
     * @throws IllegalArgumentException for an unknown key or a value that is not a number or boolean
     */
    public static DiskFaults parse(String text) {
        Properties values = new Properties();
        try {
            values.load(new StringReader(text));
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed disk fault properties: " + e.getMessage(), e);
        }
        for (String key : values.stringPropertyNames()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown disk fault key '" + key + "'; known: " + KEYS);
            }
        }
        return new DiskFaults(millis(values, WRITE_DELAY_MS), millis(values, FSYNC_DELAY_MS),
                bool(values, FAIL_FSYNCS), bool(values, FAIL_WRITES), bool(values, DISK_FULL));
    }

    /** The text {@link #parse} reads back as these faults. */
    public String format() {
        return WRITE_DELAY_MS + "=" + writeDelay.toMillis() + "\n" + FSYNC_DELAY_MS + "=" + fsyncDelay.toMillis()
                + "\n" + FAIL_FSYNCS + "=" + failFsyncs + "\n" + FAIL_WRITES + "=" + failWrites + "\n" + DISK_FULL
                + "=" + diskFull + "\n";
    }

    private static Duration millis(Properties values, String key) {
        String value = values.getProperty(key, "0").trim();
        try {
            return Duration.ofMillis(Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "='" + value + "' is not a number of milliseconds", e);
        }
    }

    private static boolean bool(Properties values, String key) {
        String value = values.getProperty(key, "false").trim();
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException(key + "='" + value + "' must be true or false");
        }
        return Boolean.parseBoolean(value);
    }
}
