package io.wharf.client.consumer;

import java.util.Locale;

/** {@code auto.offset.reset}: where to start when a partition has no valid position. Immutable. */
public enum OffsetResetPolicy {
    /** The log start offset. */
    EARLIEST,
    /** The high watermark: only records written from now on. */
    LATEST,
    /** Throw {@link OffsetOutOfRangeException} instead. */
    NONE;

    public static OffsetResetPolicy forName(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("auto.offset.reset must be earliest, latest or none, got '" + name + "'");
        }
    }
}
